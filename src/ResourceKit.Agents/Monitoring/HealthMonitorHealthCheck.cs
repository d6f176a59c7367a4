using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Reports the <see cref="HealthMonitor"/>'s overall score as a health check, sampling once if it has not yet.</summary>
/// <param name="monitor">The monitor.</param>
public sealed class HealthMonitorHealthCheck(HealthMonitor monitor) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = monitor.Latest ?? await monitor.SampleAsync(cancellationToken).ConfigureAwait(false);
        var data = snapshot.Components.ToDictionary(c => c.Component, c => (object)c.Score, StringComparer.Ordinal);
        data["overall"] = snapshot.Score;
        var worst = snapshot.Components.OrderBy(c => c.Score).FirstOrDefault();
        var description = worst is null
            ? $"Health score {snapshot.Score:0} ({HealthSnapshot.BandOf(snapshot.Score)})."
            : $"Health score {snapshot.Score:0} ({HealthSnapshot.BandOf(snapshot.Score)}); lowest: {worst.Component} {worst.Score:0} ({worst.WorstMetric ?? "no thresholded metric"}).";
        return new HealthCheckResult(snapshot.Status, description, data: data);
    }
}
