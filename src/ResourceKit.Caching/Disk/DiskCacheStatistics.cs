namespace ResourceKit.Caching.Disk;

/// <summary>A snapshot of a <see cref="DiskCacheStore"/>'s counters.</summary>
/// <param name="Entries">Records currently on disk.</param>
/// <param name="Bytes">Bytes the records take on disk.</param>
/// <param name="Hits">Reads that returned a value.</param>
/// <param name="Misses">Reads that found nothing, an expired record or a corrupt one.</param>
/// <param name="Evictions">Records deleted to stay within the size budget.</param>
/// <param name="CorruptRecords">Records dropped because they were truncated or failed their checksum.</param>
/// <param name="WriteFailures">Writes that failed (for example with the disk full) and were skipped.</param>
public readonly record struct DiskCacheStatistics(
    long Entries,
    long Bytes,
    long Hits,
    long Misses,
    long Evictions,
    long CorruptRecords,
    long WriteFailures);
