using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Dashboard;

/// <summary>Alert counts by level and the most recent alerts.</summary>
/// <param name="Info">Informational alerts in the history.</param>
/// <param name="Warning">Warnings in the history.</param>
/// <param name="Critical">Critical alerts in the history.</param>
/// <param name="Emergency">Emergency alerts in the history.</param>
/// <param name="Recent">The newest alerts, newest last.</param>
public sealed record AlertSummary(int Info, int Warning, int Critical, int Emergency, IReadOnlyList<Alert> Recent);
