using ResourceKit.Agents.Monitoring;
using ResourceKit.Caching;

namespace ResourceKit.Agents.Adapters;

/// <summary>Reports the tiered cache's hit ratio (all tiers) and per-tier hits as health readings.</summary>
/// <param name="cache">The cache.</param>
public sealed class CacheMetricSource(TieredCache cache) : IHealthMetricSource
{
    private readonly TieredCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <summary>Gets the hit ratio of a statistics snapshot: hits in any tier over all lookups, 0 to 1.</summary>
    /// <param name="statistics">The statistics.</param>
    /// <returns>The ratio, or <see langword="null"/> before the first lookup.</returns>
    public static double? HitRatio(TieredCacheStatistics statistics)
    {
        var hits = statistics.MemoryHits + statistics.DiskHits + statistics.DistributedHits;
        var lookups = hits + statistics.Misses;
        return lookups == 0 ? null : (double)hits / lookups;
    }

    /// <inheritdoc />
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var statistics = _cache.Statistics;
        if (HitRatio(statistics) is { } ratio)
        {
            readings.Add(new MetricReading(ComponentNames.Cache, MetricNames.CacheHitRatio, ratio));
        }

        readings.Add(new MetricReading(ComponentNames.Cache, "l1_hits", statistics.MemoryHits));
        readings.Add(new MetricReading(ComponentNames.Cache, "l2_hits", statistics.DiskHits));
        readings.Add(new MetricReading(ComponentNames.Cache, "l3_hits", statistics.DistributedHits));
        readings.Add(new MetricReading(ComponentNames.Cache, "misses", statistics.Misses));
        readings.Add(new MetricReading(ComponentNames.Cache, "l3_errors", statistics.DistributedErrors));

        return ValueTask.CompletedTask;
    }
}
