using System.Text.Json.Serialization;
using ResourceKit.Agents.Dashboard;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>
/// The JSON report a run writes with <c>--report</c>. <c>CacheHitRatio</c> is the LLM response cache's hit ratio on the
/// conversation load (turns answered without a provider call); <c>TieredCacheHitRatio</c> covers every cache lookup of
/// every loop (heartbeats, pages, preferences), many of which are writes-then-reads by design. <c>LogLinesDropped</c>
/// counts the lines the file log (<c>LogPath</c>) lost because its queue was full or a write failed.
/// </summary>
internal sealed record RunReport(
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double DurationSeconds,
    string Load,
    IReadOnlyList<LoopReport> Loops,
    double GcPausePercent,
    long PeakWorkingSetBytes,
    double? CacheHitRatio,
    double? TieredCacheHitRatio,
    SpendReportSection Spend,
    IReadOnlyList<Alert> Alerts,
    string LogPath,
    long LogLinesDropped,
    WorkReport Work,
    DashboardSnapshot Dashboard);

/// <summary>One loop in the report.</summary>
internal sealed record LoopReport(
    string Name,
    string Priority,
    double IntervalSeconds,
    long Runs,
    long Skips,
    long Failures,
    double? IntervalAdherence,
    double MeanDurationMs,
    double P95DurationMs,
    double CpuTimeMs);

/// <summary>Spend per window with the budget actions taken during the run.</summary>
internal sealed record SpendReportSection(IReadOnlyList<WindowReport> Windows, IReadOnlyList<RuleReport> Rules, IReadOnlyList<BudgetActionTaken> ActionsTaken);

/// <summary>Spend in one window.</summary>
internal sealed record WindowReport(string Window, string Period, decimal Committed, decimal Reserved);

/// <summary>A budget rule and how much of it is used.</summary>
internal sealed record RuleReport(string Rule, string Action, string Window, decimal Limit, decimal Committed, double Utilization);

/// <summary>A budget action the ledger took (a soft threshold crossed, a throttle or a block engaged).</summary>
internal sealed record BudgetActionTaken(DateTimeOffset At, string Rule, string Action, string Window, decimal Committed, decimal Limit, double? Threshold);

/// <summary>What the loops got done.</summary>
internal sealed record WorkReport(
    long ConversationTurns,
    long TurnsRefusedByBudget,
    long TurnsFailed,
    long ProviderCalls,
    long NotificationsSent,
    long MailSynced,
    long PageChanges,
    long Utterances,
    long SpeechFrames,
    int LogRotations,
    long CacheEntriesPurged,
    long BytesReclaimed,
    int SelfOptimizationAdjustments);

/// <summary>Source-generated JSON for the run report.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class RunReportJsonContext : JsonSerializerContext;
