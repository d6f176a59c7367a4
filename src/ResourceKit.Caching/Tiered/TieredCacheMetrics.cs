using System.Diagnostics.Metrics;
using ResourceKit.Diagnostics;

namespace ResourceKit.Caching;

/// <summary>The tiered cache's instruments on the <c>ResourceKit.Caching</c> meter, plus the counters behind its statistics.</summary>
internal sealed class TieredCacheMetrics : IDisposable
{
    private static readonly KeyValuePair<string, object?> MemoryTag = new(CacheMeter.TierTag, CacheMeter.MemoryTier);
    private static readonly KeyValuePair<string, object?> DiskTag = new(CacheMeter.TierTag, CacheMeter.DiskTier);
    private static readonly KeyValuePair<string, object?> DistributedTag = new(CacheMeter.TierTag, CacheMeter.DistributedTier);

    private readonly Meter? _ownedMeter;
    private readonly IDisposable _gauges;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _promotions;
    private readonly Counter<long> _factoryRuns;
    private readonly Counter<long> _failSafe;
    private readonly Counter<long> _l3Errors;
    private readonly Counter<long> _l3Skipped;
    private readonly Counter<long> _recoveryReplayed;
    private readonly Counter<long> _recoveryDropped;
    private long _memoryHits;
    private long _diskHits;
    private long _distributedHits;
    private long _missCount;
    private long _promotionCount;
    private long _factoryRunCount;
    private long _failSafeCount;
    private long _errorCount;
    private long _skipCount;
    private long _recoveryReplayedCount;
    private long _recoveryDroppedCount;

    public TieredCacheMetrics(IMeterFactory? meterFactory, string instance, Func<CacheCircuitState> circuitState, Func<int> recoveryPending)
    {
        var meter = meterFactory?.Create(CacheMeter.Name) ?? (_ownedMeter = new Meter(CacheMeter.Name));
        _hits = meter.CreateCounter<long>("resourcekit.cache.tier.hits", "{hit}", "Reads answered by a tier.");
        _misses = meter.CreateCounter<long>("resourcekit.cache.tier.misses", "{miss}", "Reads a tier could not answer.");
        _promotions = meter.CreateCounter<long>("resourcekit.cache.tier.promotions", "{entry}", "Values copied into a faster tier.");
        _factoryRuns = meter.CreateCounter<long>("resourcekit.cache.factory.runs", "{run}", "Factory runs after every tier missed.");
        _failSafe = meter.CreateCounter<long>("resourcekit.cache.failsafe.returns", "{value}", "Stale values returned because the factory failed.");
        _l3Errors = meter.CreateCounter<long>("resourcekit.cache.l3.errors", "{error}", "Distributed-tier operations that failed.");
        _l3Skipped = meter.CreateCounter<long>("resourcekit.cache.l3.skipped", "{operation}", "Distributed-tier operations skipped while the circuit was open.");
        _recoveryReplayed = meter.CreateCounter<long>("resourcekit.cache.l3.recovery.replayed", "{key}", "Keys removed from the distributed tier and invalidated after a change that had not reached it.");
        _recoveryDropped = meter.CreateCounter<long>("resourcekit.cache.l3.recovery.dropped", "{key}", "Keys not tracked for recovery because too many were pending.");
        // Shared by every tiered cache on the meter and left on dispose, so a cache per tenant created at run time is
        // neither kept alive by its instruments nor reported as an untagged duplicate.
        _gauges = SharedObservableInstruments<Gauges>.Register(
            meter,
            () => new Gauges((int)circuitState(), recoveryPending()),
            new KeyValuePair<string, object?>("cache.instance", instance),
            static (m, caches) =>
            {
                m.CreateObservableUpDownCounter("resourcekit.cache.l3.recovery.pending", () => caches.Observe(g => g.RecoveryPending), "{key}", "Keys whose change has not reached the distributed tier yet.");
                m.CreateObservableGauge("resourcekit.cache.l3.circuit.state", () => caches.Observe(g => g.CircuitState), "{state}", "Distributed-tier circuit: -1 not configured, 0 closed, 1 open, 2 half-open.");
            });
    }

    public void Hit(CacheValueSource tier)
    {
        switch (tier)
        {
            case CacheValueSource.Memory:
                Interlocked.Increment(ref _memoryHits);
                _hits.Add(1, MemoryTag);
                break;
            case CacheValueSource.Disk:
                Interlocked.Increment(ref _diskHits);
                _hits.Add(1, DiskTag);
                break;
            default:
                Interlocked.Increment(ref _distributedHits);
                _hits.Add(1, DistributedTag);
                break;
        }
    }

    public void Miss(CacheValueSource tier) => _misses.Add(1, TagFor(tier));

    public void MissedEverywhere() => Interlocked.Increment(ref _missCount);

    public void Promoted(CacheValueSource into)
    {
        Interlocked.Increment(ref _promotionCount);
        _promotions.Add(1, TagFor(into));
    }

    public void FactoryRan()
    {
        Interlocked.Increment(ref _factoryRunCount);
        _factoryRuns.Add(1);
    }

    public void FailSafeReturned()
    {
        Interlocked.Increment(ref _failSafeCount);
        _failSafe.Add(1);
    }

    public void DistributedError(string operation)
    {
        Interlocked.Increment(ref _errorCount);
        _l3Errors.Add(1, new KeyValuePair<string, object?>("operation", operation));
    }

    public void DistributedSkipped()
    {
        Interlocked.Increment(ref _skipCount);
        _l3Skipped.Add(1);
    }

    public void RecoveryReplayed()
    {
        Interlocked.Increment(ref _recoveryReplayedCount);
        _recoveryReplayed.Add(1);
    }

    public void RecoveryDropped()
    {
        Interlocked.Increment(ref _recoveryDroppedCount);
        _recoveryDropped.Add(1);
    }

    public TieredCacheStatistics Snapshot(CacheCircuitState state, int recoveryPending) => new(
        Interlocked.Read(ref _memoryHits),
        Interlocked.Read(ref _diskHits),
        Interlocked.Read(ref _distributedHits),
        Interlocked.Read(ref _missCount),
        Interlocked.Read(ref _promotionCount),
        Interlocked.Read(ref _factoryRunCount),
        Interlocked.Read(ref _failSafeCount),
        Interlocked.Read(ref _errorCount),
        Interlocked.Read(ref _skipCount),
        recoveryPending,
        Interlocked.Read(ref _recoveryReplayedCount),
        Interlocked.Read(ref _recoveryDroppedCount),
        state);

    public void Dispose()
    {
        _gauges.Dispose();
        _ownedMeter?.Dispose();
    }

    private readonly record struct Gauges(int CircuitState, int RecoveryPending);

    private static KeyValuePair<string, object?> TagFor(CacheValueSource tier) => tier switch
    {
        CacheValueSource.Memory => MemoryTag,
        CacheValueSource.Disk => DiskTag,
        _ => DistributedTag,
    };
}
