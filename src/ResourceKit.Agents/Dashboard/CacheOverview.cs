using ResourceKit.Caching;

namespace ResourceKit.Agents.Dashboard;

/// <summary>The tiered cache per tier, with the overall hit ratio.</summary>
/// <param name="HitRatio">Hits in any tier over all lookups, 0 to 1, or <see langword="null"/> before the first lookup.</param>
/// <param name="Tiers">Hits per tier, misses, promotions, L3 errors and the circuit state.</param>
public sealed record CacheOverview(double? HitRatio, TieredCacheStatistics Tiers);
