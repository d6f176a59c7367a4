using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ResourceKit.Caching;

/// <summary>Reports the tiered cache degraded while its distributed tier is skipped (circuit open or half-open).</summary>
/// <param name="cache">The cache to watch.</param>
public sealed class TieredCacheHealthCheck(TieredCache cache) : IHealthCheck
{
    private readonly TieredCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statistics = _cache.Statistics;
        var data = new Dictionary<string, object>
        {
            ["circuit"] = statistics.CircuitState.ToString(),
            ["l3_errors"] = statistics.DistributedErrors,
            ["l3_skipped"] = statistics.DistributedSkips,
        };
        var result = statistics.CircuitState is CacheCircuitState.Open or CacheCircuitState.HalfOpen
            ? HealthCheckResult.Degraded("The distributed cache tier is unreachable; serving from memory and disk.", data: data)
            : HealthCheckResult.Healthy("All configured cache tiers are available.", data);
        return Task.FromResult(result);
    }
}
