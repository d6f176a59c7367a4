namespace ResourceKit.Agents.Monitoring;

/// <summary>One value of a metric in the monitor's history.</summary>
/// <param name="Timestamp">When the value was sampled.</param>
/// <param name="Value">The value.</param>
public readonly record struct MetricPoint(DateTimeOffset Timestamp, double Value);
