namespace ResourceKit.Agents.Monitoring;

/// <summary>An alert raised by the <see cref="HealthMonitor"/> when a metric crosses a threshold or recovers.</summary>
/// <param name="Level">How urgent the alert is.</param>
/// <param name="Component">The component the metric belongs to, such as <c>system</c> or <c>cache</c>.</param>
/// <param name="Metric">The metric name, such as <c>cpu_percent</c>.</param>
/// <param name="Value">The value that raised the alert.</param>
/// <param name="Threshold">The threshold that was crossed (the warning threshold for a recovery).</param>
/// <param name="Message">A human-readable description.</param>
/// <param name="Timestamp">When the alert was raised.</param>
public sealed record Alert(
    AlertLevel Level,
    string Component,
    string Metric,
    double Value,
    double Threshold,
    string Message,
    DateTimeOffset Timestamp);
