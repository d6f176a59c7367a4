using ResourceKit.Agents.Monitoring;
using ResourceKit.Cost.Budgets;
using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Dashboard;

/// <summary>Everything the seed's monitoring dashboard (section 9.2) shows, at one moment, ready to serialize as JSON.</summary>
/// <param name="Timestamp">When the snapshot was taken.</param>
/// <param name="System">CPU, memory, pressure and GC.</param>
/// <param name="Loops">Per-loop statistics.</param>
/// <param name="Cache">The tiered cache per tier.</param>
/// <param name="Spend">Spend per window and the state of each budget rule.</param>
/// <param name="Pools">The component memory pools.</param>
/// <param name="Health">The latest health sample, or <see langword="null"/> before the first.</param>
/// <param name="Alerts">Alert counts and the latest alerts.</param>
public sealed record DashboardSnapshot(
    DateTimeOffset Timestamp,
    SystemOverview System,
    IReadOnlyList<AgentLoopStatistics> Loops,
    CacheOverview Cache,
    SpendReport Spend,
    IReadOnlyList<MemoryPoolStatistics> Pools,
    HealthSnapshot? Health,
    AlertSummary Alerts);
