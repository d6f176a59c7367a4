namespace ResourceKit.Caching;

/// <summary>A point-in-time snapshot of a <see cref="TinyLfuCache{TKey, TValue}"/>'s counters.</summary>
/// <remarks>
/// Hits and misses are counted only when <see cref="TinyLfuCacheOptions.CountHitsAndMisses"/> is set. They are kept
/// in per-thread stripes without atomic instructions, so that counting adds one store to a hit; under heavy
/// contention on one stripe a few may go uncounted.
/// </remarks>
public readonly record struct CacheStatistics
{
    /// <summary>Gets a value indicating whether the cache counts hits and misses (<see cref="TinyLfuCacheOptions.CountHitsAndMisses"/>); when not, <see cref="Hits"/> and <see cref="Misses"/> are 0.</summary>
    public bool CountsHitsAndMisses { get; init; }

    /// <summary>Gets the number of lookups that found a live entry; 0 unless <see cref="CountsHitsAndMisses"/>.</summary>
    public long Hits { get; init; }

    /// <summary>Gets the number of lookups that found nothing, or only an expired entry; 0 unless <see cref="CountsHitsAndMisses"/>.</summary>
    public long Misses { get; init; }

    /// <summary>Gets the entries the policy evicted for capacity (including by <c>Trim</c>).</summary>
    public long Evictions { get; init; }

    /// <summary>Gets the entries that expired.</summary>
    public long Expirations { get; init; }

    /// <summary>Gets the entries removed explicitly.</summary>
    public long Removals { get; init; }

    /// <summary>Gets the entries whose value was replaced by a new write.</summary>
    public long Replacements { get; init; }

    /// <summary>Gets the writes not cached because the entry alone outweighed the whole capacity.</summary>
    public long Rejections { get; init; }

    /// <summary>Gets the number of entries in the cache (expired entries not yet cleaned up included).</summary>
    public int Count { get; init; }

    /// <summary>Gets the total weight of the entries in the cache.</summary>
    public long Weight { get; init; }

    /// <summary>Gets the maximum total weight.</summary>
    public long Capacity { get; init; }

    /// <summary>Gets the admission window's current share of capacity, 0 to 1, as tuned by the adaptive window.</summary>
    public double WindowFraction { get; init; }

    /// <summary>Gets the number of lookups, <see cref="Hits"/> plus <see cref="Misses"/>.</summary>
    public long Requests => Hits + Misses;

    /// <summary>Gets the fraction of lookups that hit, 0 to 1 (0 before the first lookup, and when <see cref="CountsHitsAndMisses"/> is false).</summary>
    public double HitRatio => Requests == 0 ? 0 : (double)Hits / Requests;
}
