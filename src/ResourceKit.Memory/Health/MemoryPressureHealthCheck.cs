using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Health;

/// <summary>Reports Healthy, Degraded or Unhealthy from <see cref="MemoryPressureMonitor.Level"/>.</summary>
/// <param name="monitor">The monitor whose last sample is reported.</param>
/// <param name="options">Which levels count as degraded and unhealthy; defaults when <see langword="null"/>.</param>
public sealed class MemoryPressureHealthCheck(MemoryPressureMonitor monitor, MemoryHealthOptions? options = null) : IHealthCheck
{
    private readonly MemoryHealthOptions _options = options ?? new MemoryHealthOptions();

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stats = monitor.Statistics;
        var data = new Dictionary<string, object>
        {
            ["level"] = stats.Level.ToString(),
            ["ratio"] = stats.Reading.Ratio,
            ["usedBytes"] = stats.Reading.UsedBytes,
            ["limitBytes"] = stats.Reading.LimitBytes,
            ["reclamations"] = stats.Reclamations,
        };
        var description = $"Memory pressure {stats.Level}: {stats.Reading.Ratio:P1} of {stats.Reading.LimitBytes} bytes in use.";
        var status = stats.Level >= _options.UnhealthyLevel ? context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy
            : stats.Level >= _options.DegradedLevel ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
