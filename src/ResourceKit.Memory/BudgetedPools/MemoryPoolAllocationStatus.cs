namespace ResourceKit.Memory.BudgetedPools;

/// <summary>The outcome of adding an entry to a <see cref="BudgetedMemoryPool"/>.</summary>
public enum MemoryPoolAllocationStatus
{
    /// <summary>The entry was added (possibly after evicting others).</summary>
    Added = 0,

    /// <summary>The entry is larger than the whole budget.</summary>
    TooLarge = 1,

    /// <summary>Evicting every reclaimable entry would still not make room; nothing was evicted.</summary>
    BudgetExhausted = 2,
}
