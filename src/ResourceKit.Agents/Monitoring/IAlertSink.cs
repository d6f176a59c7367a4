namespace ResourceKit.Agents.Monitoring;

/// <summary>Receives the alerts a <see cref="HealthMonitor"/> raises (a log, a file, a pager, a callback).</summary>
public interface IAlertSink
{
    /// <summary>Delivers one alert. A sink that throws is logged and does not stop other sinks.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">
    /// Cancels the delivery. <see cref="HealthMonitor"/> passes <see cref="CancellationToken.None"/>: an alert it has
    /// begun to deliver reaches every sink, whichever caller's sample raised it.
    /// </param>
    /// <returns>A task that completes when the alert is delivered.</returns>
    ValueTask PublishAsync(Alert alert, CancellationToken cancellationToken = default);
}
