namespace ResourceKit.Caching;

/// <summary>A snapshot of a <see cref="TieredCache"/>'s counters.</summary>
/// <param name="MemoryHits">Reads answered by L1.</param>
/// <param name="DiskHits">Reads answered by L2.</param>
/// <param name="DistributedHits">Reads answered by L3.</param>
/// <param name="Misses">Reads no tier could answer.</param>
/// <param name="Promotions">Values copied into a faster tier after a hit in a slower one.</param>
/// <param name="FactoryRuns">Times a factory ran; stampede protection keeps it at one per key per process at a time.</param>
/// <param name="FailSafeReturns">Stale values returned because the factory failed.</param>
/// <param name="DistributedErrors">Distributed-tier or backplane operations (recovery replays included) that failed and were skipped.</param>
/// <param name="DistributedSkips">Distributed-tier operations (recovery replays included) skipped because the circuit was open.</param>
/// <param name="RecoveryPending">
/// Keys whose write or removal did not reach the distributed tier or the backplane; each is removed from L3 and
/// invalidated on the other hosts once they answer again.
/// </param>
/// <param name="RecoveryReplayed">Keys so removed and invalidated after the shared tiers came back.</param>
/// <param name="RecoveryDropped">Keys not tracked for recovery because <see cref="TieredCacheOptions.RecoveryCapacity"/> keys were already pending.</param>
/// <param name="CircuitState">The circuit breaker's state now.</param>
public readonly record struct TieredCacheStatistics(
    long MemoryHits,
    long DiskHits,
    long DistributedHits,
    long Misses,
    long Promotions,
    long FactoryRuns,
    long FailSafeReturns,
    long DistributedErrors,
    long DistributedSkips,
    int RecoveryPending,
    long RecoveryReplayed,
    long RecoveryDropped,
    CacheCircuitState CircuitState);
