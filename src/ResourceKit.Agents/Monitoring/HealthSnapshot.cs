using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ResourceKit.Agents.Monitoring;

/// <summary>The health of the host at one sample.</summary>
/// <param name="Timestamp">When the sample was taken.</param>
/// <param name="Score">The overall score, 0 to 100.</param>
/// <param name="Status">The overall status.</param>
/// <param name="Components">The score of each component.</param>
/// <param name="Readings">The readings of the sample.</param>
public sealed record HealthSnapshot(
    DateTimeOffset Timestamp,
    double Score,
    HealthStatus Status,
    IReadOnlyList<ComponentHealth> Components,
    IReadOnlyList<MetricReading> Readings)
{
    /// <summary>The band a score falls in: Excellent (90–100), Good (70–89), Acceptable (50–69), Warning (30–49) or Critical (0–29).</summary>
    /// <param name="score">The score.</param>
    /// <returns>The band name.</returns>
    public static string BandOf(double score) => score switch
    {
        >= 90 => "Excellent",
        >= 70 => "Good",
        >= 50 => "Acceptable",
        >= 30 => "Warning",
        _ => "Critical",
    };

    /// <summary>Maps a score to a health status: 70 and above is healthy, 30 to 69 degraded, below 30 unhealthy.</summary>
    /// <param name="score">The score.</param>
    /// <returns>The status.</returns>
    public static HealthStatus StatusOf(double score) => score switch
    {
        >= 70 => HealthStatus.Healthy,
        >= 30 => HealthStatus.Degraded,
        _ => HealthStatus.Unhealthy,
    };
}
