using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ResourceKit.Agents.Monitoring;

/// <summary>The health score of one component.</summary>
/// <param name="Component">The component name.</param>
/// <param name="Score">The score, 0 (failing) to 100 (ideal), on seed 002's bands.</param>
/// <param name="Status">The status the score maps to.</param>
/// <param name="WorstMetric">The metric that scored lowest, or <see langword="null"/> when the component has no thresholded metric.</param>
public sealed record ComponentHealth(string Component, double Score, HealthStatus Status, string? WorstMetric);
