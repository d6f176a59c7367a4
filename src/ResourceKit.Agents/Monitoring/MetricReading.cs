namespace ResourceKit.Agents.Monitoring;

/// <summary>One value of one metric of one component, as collected by an <see cref="IHealthMetricSource"/>.</summary>
/// <param name="Component">The component, such as <c>system</c>, <c>cache</c> or <c>cost</c>.</param>
/// <param name="Metric">The metric name; thresholds are looked up by it.</param>
/// <param name="Value">The value.</param>
public readonly record struct MetricReading(string Component, string Metric, double Value);
