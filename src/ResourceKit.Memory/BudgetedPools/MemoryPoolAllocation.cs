namespace ResourceKit.Memory.BudgetedPools;

/// <summary>The result of adding an entry to a <see cref="BudgetedMemoryPool"/>: a value to branch on, never an exception.</summary>
/// <param name="Status">What happened.</param>
/// <param name="SizeBytes">The bytes the entry counts against the budget (after compression).</param>
/// <param name="EvictedEntries">Entries evicted to make room.</param>
/// <param name="EvictedBytes">Bytes released by those evictions.</param>
public readonly record struct MemoryPoolAllocation(MemoryPoolAllocationStatus Status, long SizeBytes, int EvictedEntries, long EvictedBytes)
{
    /// <summary>Gets a value indicating whether the entry was added.</summary>
    public bool Succeeded => Status == MemoryPoolAllocationStatus.Added;
}
