using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Health;

/// <summary>
/// Reports Healthy, Degraded or Unhealthy from <see cref="MemoryPressureMonitor.Level"/>, and at least Degraded while
/// the <see cref="GcTuner"/>'s GC overhead is above <see cref="GcTunerOptions.OverheadMaximum"/>.
/// </summary>
/// <param name="monitor">The monitor whose last sample is reported.</param>
/// <param name="options">Which levels count as degraded and unhealthy; defaults when <see langword="null"/>.</param>
/// <param name="tuner">The GC tuner whose overhead is reported; none when <see langword="null"/>.</param>
public sealed class MemoryPressureHealthCheck(MemoryPressureMonitor monitor, MemoryHealthOptions? options = null, GcTuner? tuner = null) : IHealthCheck
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
        if (tuner?.Statistics is { } gc)
        {
            data["gcOverhead"] = gc.GcOverhead;
            if (gc.OverheadAboveMaximum)
            {
                description += $" GC overhead {gc.GcOverhead:P2} is above its maximum.";
                status = status == HealthStatus.Healthy ? HealthStatus.Degraded : status;
            }
        }

        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
