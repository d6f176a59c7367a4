using System.Runtime.InteropServices;

namespace ResourceKit.Caching;

/// <summary>
/// The counters that writers and the maintenance pass update, padded so that they share no cache line with the
/// read-mostly fields every lookup touches (the map, the read buffer): otherwise each write would evict those
/// fields from every reader's cache.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct TinyLfuCounters
{
    /// <summary>The total weight of the entries.</summary>
    [FieldOffset(64)]
    public long Weight;

    /// <summary>The number of entries; kept only for weighted caches (otherwise it equals the weight).</summary>
    [FieldOffset(72)]
    public int Count;

    /// <summary>Writes queued for the maintenance pass.</summary>
    [FieldOffset(76)]
    public int PendingWrites;

    /// <summary>Entries evicted by the policy.</summary>
    [FieldOffset(80)]
    public long Evictions;

    /// <summary>Entries removed because they expired.</summary>
    [FieldOffset(88)]
    public long Expirations;

    /// <summary>Entries removed explicitly.</summary>
    [FieldOffset(96)]
    public long Removals;

    /// <summary>Entries replaced by a newer value.</summary>
    [FieldOffset(104)]
    public long Replacements;

    /// <summary>Writes rejected because the entry outweighs the whole capacity.</summary>
    [FieldOffset(112)]
    public long Rejections;
}
