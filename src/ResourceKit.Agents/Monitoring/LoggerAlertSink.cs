using Microsoft.Extensions.Logging;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Writes alerts to an <see cref="ILogger"/>: Info as information, Warning as warning, Critical and Emergency as errors.</summary>
/// <param name="logger">The logger.</param>
public sealed partial class LoggerAlertSink(ILogger<LoggerAlertSink> logger) : IAlertSink
{
    /// <inheritdoc />
    public ValueTask PublishAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var level = alert.Level switch
        {
            AlertLevel.Info => LogLevel.Information,
            AlertLevel.Warning => LogLevel.Warning,
            AlertLevel.Critical => LogLevel.Error,
            _ => LogLevel.Critical,
        };
        LogAlert(logger, level, alert.Level, alert.Message);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Message = "[{AlertLevel}] {AlertMessage}")]
    private static partial void LogAlert(ILogger logger, LogLevel level, AlertLevel alertLevel, string alertMessage);
}
