using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Caching;

/// <summary>
/// Options of a <see cref="TinyLfuCache{TKey, TValue}"/> that can be bound from configuration.
/// <see cref="TinyLfuCacheOptions{TKey, TValue}"/> adds the code-only settings (weigher, key comparer).
/// </summary>
public class TinyLfuCacheOptions
{
    /// <summary>The default <see cref="Capacity"/>.</summary>
    public const long DefaultCapacity = 10_000;

    /// <summary>The default <see cref="InitialWindowFraction"/>.</summary>
    public const double DefaultInitialWindowFraction = 0.01;

    /// <summary>The default <see cref="MinimumWindowFraction"/>.</summary>
    public const double DefaultMinimumWindowFraction = 0.01;

    /// <summary>The default <see cref="MaximumWindowFraction"/>.</summary>
    public const double DefaultMaximumWindowFraction = 0.80;

    /// <summary>The default <see cref="Name"/>.</summary>
    public const string DefaultName = "default";

    /// <summary>The default <see cref="ExpirationScanInterval"/>: one minute.</summary>
    public static readonly TimeSpan DefaultExpirationScanInterval = TimeSpan.FromMinutes(1);

    /// <summary>Initializes a new instance of the <see cref="TinyLfuCacheOptions"/> class with the defaults.</summary>
    public TinyLfuCacheOptions()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TinyLfuCacheOptions"/> class with a copy of another's settings.</summary>
    /// <param name="source">The options to copy.</param>
    public TinyLfuCacheOptions(TinyLfuCacheOptions source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Name = source.Name;
        Capacity = source.Capacity;
        InitialWindowFraction = source.InitialWindowFraction;
        MinimumWindowFraction = source.MinimumWindowFraction;
        MaximumWindowFraction = source.MaximumWindowFraction;
        AdaptiveWindow = source.AdaptiveWindow;
        ExpireAfterWrite = source.ExpireAfterWrite;
        ExpireAfterAccess = source.ExpireAfterAccess;
        ExpirationScanInterval = source.ExpirationScanInterval;
        MaintenanceMode = source.MaintenanceMode;
        CountHitsAndMisses = source.CountHitsAndMisses;
    }

    /// <summary>Gets or sets the cache's name, reported as the <c>cache.name</c> tag on its metrics.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    [Required]
    public string Name { get; set; } = DefaultName;

    /// <summary>
    /// Gets or sets the maximum total weight: a number of entries, or with a weigher, a total of
    /// entry weights (for example bytes). An entry heavier than the whole capacity is not cached.
    /// </summary>
    /// <value>The default value is 10,000.</value>
    [Range(1, long.MaxValue)]
    public long Capacity { get; set; } = DefaultCapacity;

    /// <summary>Gets or sets the admission window's starting share of capacity, between the minimum and maximum.</summary>
    /// <value>The default value is 0.01 (1 %), which favours frequency, as Caffeine does.</value>
    [Range(0.0, 1.0)]
    public double InitialWindowFraction { get; set; } = DefaultInitialWindowFraction;

    /// <summary>Gets or sets the smallest share of capacity the adaptive window may take (at least one entry is kept).</summary>
    /// <value>The default value is 0.01: a window below 1 % saves nothing and leaves new arrivals almost no time to prove themselves.</value>
    [Range(0.0, 1.0)]
    public double MinimumWindowFraction { get; set; } = DefaultMinimumWindowFraction;

    /// <summary>Gets or sets the largest share of capacity the adaptive window may take.</summary>
    /// <value>The default value is 0.8: the main region always keeps a fifth of capacity.</value>
    [Range(0.0, 1.0)]
    public double MaximumWindowFraction { get; set; } = DefaultMaximumWindowFraction;

    /// <summary>Gets or sets a value indicating whether the window size is tuned online: a key written again soon after the window refused it grows the window, one written again soon after the main region evicted it shrinks it.</summary>
    /// <value>The default value is <see langword="true"/>; <see langword="false"/> keeps the initial window.</value>
    public bool AdaptiveWindow { get; set; } = true;

    /// <summary>Gets or sets how long after being written an entry expires; <see langword="null"/> for never. A per-entry time-to-live given to <c>Set</c> overrides it.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeSpan? ExpireAfterWrite { get; set; }

    /// <summary>Gets or sets how long an entry may go unread before it expires; <see langword="null"/> for never.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeSpan? ExpireAfterAccess { get; set; }

    /// <summary>
    /// Gets or sets how often maintenance sweeps the whole cache for expired entries. Expired entries
    /// are never returned regardless; the sweep only frees their memory sooner.
    /// </summary>
    /// <value>The default value is one minute.</value>
    public TimeSpan ExpirationScanInterval { get; set; } = DefaultExpirationScanInterval;

    /// <summary>
    /// Gets or sets a value indicating whether lookups count hits and misses, for <see cref="CacheStatistics.Hits"/>,
    /// <see cref="CacheStatistics.Misses"/> and the <c>resourcekit.cache.hits</c>, <c>misses</c> and <c>hit.ratio</c>
    /// instruments. Like <c>MemoryCacheOptions.TrackStatistics</c> and Caffeine's <c>recordStats</c>, it is off by
    /// default because it is the one cost left on a hit: a count is a store per lookup, and a counted hit leaves the
    /// call-free fast path for the out-of-line one that counts (a few nanoseconds more with integer keys, about nothing
    /// with string keys, whose hashing dominates; see benchmarks/RESULTS.md, session 8). Evictions, expirations,
    /// removals, entries and weight are counted either way.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CountHitsAndMisses { get; set; }

    /// <summary>Gets or sets where maintenance runs.</summary>
    /// <value>The default value is <see cref="CacheMaintenanceMode.Background"/>.</value>
    public CacheMaintenanceMode MaintenanceMode { get; set; } = CacheMaintenanceMode.Background;
}
