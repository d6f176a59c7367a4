namespace ResourceKit.Memory.BudgetedPools;

/// <summary>One tracked entry of a <see cref="BudgetedMemoryPool"/>. Mutated only under the pool's lock.</summary>
internal sealed class PoolEntry(string key, object? strong, WeakReference? weak, long sizeBytes, bool reclaimable, bool compressed, long lastAccess)
{
    public string Key { get; } = key;

    public long SizeBytes { get; } = sizeBytes;

    public bool Reclaimable { get; } = reclaimable;

    public bool Compressed { get; } = compressed;

    public long LastAccess { get; set; } = lastAccess;

    public LinkedListNode<PoolEntry>? Node { get; set; }

    /// <summary>Gets the value, or null when a weak reference's target has been collected.</summary>
    public object? Value => strong ?? weak?.Target;

    public bool IsCollected => strong is null && weak is not null && !weak.IsAlive;
}
