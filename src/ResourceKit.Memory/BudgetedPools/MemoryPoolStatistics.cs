namespace ResourceKit.Memory.BudgetedPools;

/// <summary>A snapshot of a <see cref="BudgetedMemoryPool"/>.</summary>
/// <param name="Name">The pool's name.</param>
/// <param name="UsedBytes">Bytes tracked now.</param>
/// <param name="MinBytes">The floor reclamation keeps.</param>
/// <param name="MaxBytes">The budget.</param>
/// <param name="Entries">Entries tracked now.</param>
/// <param name="Allocations">Entries added.</param>
/// <param name="Rejections">Additions refused because they did not fit.</param>
/// <param name="Evictions">Entries evicted (least recently used, or collected weak references).</param>
/// <param name="EvictedBytes">Bytes released by evictions.</param>
/// <param name="Hits">Lookups that found a live value.</param>
/// <param name="Misses">Lookups that found nothing.</param>
/// <param name="CompressedEntries">Entries stored compressed now.</param>
/// <param name="BytesSavedByCompression">Bytes saved by compression, over all entries added.</param>
public readonly record struct MemoryPoolStatistics(
    string Name,
    long UsedBytes,
    long MinBytes,
    long MaxBytes,
    int Entries,
    long Allocations,
    long Rejections,
    long Evictions,
    long EvictedBytes,
    long Hits,
    long Misses,
    int CompressedEntries,
    long BytesSavedByCompression)
{
    /// <summary>Gets <see cref="UsedBytes"/> ÷ <see cref="MaxBytes"/>, 0–1.</summary>
    public double Utilization => MaxBytes <= 0 ? 0 : Math.Clamp((double)UsedBytes / MaxBytes, 0, 1);
}
