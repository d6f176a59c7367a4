namespace ResourceKit.Agents.Monitoring;

/// <summary>
/// Supplies readings to the <see cref="HealthMonitor"/>. Each ResourceKit package is adapted to this contract
/// in the Agents package, so the packages stay independent of the monitor.
/// </summary>
public interface IHealthMetricSource
{
    /// <summary>Adds the current readings to <paramref name="readings"/>.</summary>
    /// <param name="readings">The list to add readings to.</param>
    /// <param name="cancellationToken">Cancels the collection.</param>
    /// <returns>A task that completes when the readings are added; most sources complete synchronously.</returns>
    ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default);
}
