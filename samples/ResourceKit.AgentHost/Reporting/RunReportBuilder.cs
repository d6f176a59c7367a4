using Microsoft.Extensions.AI;
using ResourceKit.AgentHost.Logging;
using ResourceKit.AgentHost.Loops;
using ResourceKit.Agents.Dashboard;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Agents.Simulation;
using Microsoft.Extensions.DependencyInjection;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>Builds the run report from the dashboard snapshot, the budget action log and the loops' own counters.</summary>
internal sealed class RunReportBuilder(
    DashboardSnapshotBuilder dashboard,
    HealthMonitor health,
    BudgetActionLog budgetActions,
    RollingFileLoggerProvider fileLog,
    IServiceProvider services,
    RunOptions options,
    TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public async Task<RunReport> BuildAsync(CancellationToken cancellationToken)
    {
        var snapshot = await dashboard.CaptureAsync(cancellationToken);
        var now = time.GetUtcNow();
        var loops = snapshot.Loops.Select(l => new LoopReport(
            l.Name,
            l.Priority.ToString(),
            l.Interval.TotalSeconds,
            l.Runs,
            l.Skips,
            l.Failures,
            l.IntervalAdherence is { } a ? Math.Round(a, 4) : null,
            Math.Round(l.MeanDuration.TotalMilliseconds, 3),
            Math.Round(l.P95Duration.TotalMilliseconds, 3),
            Math.Round(l.CpuTime.TotalMilliseconds, 3))).ToList();
        var spend = new SpendReportSection(
            [.. snapshot.Spend.Windows.Select(w => new WindowReport(w.Period.Window.ToString(), w.Period.Key, w.Committed, w.Reserved))],
            [.. snapshot.Spend.Rules.Select(r => new RuleReport(r.RuleName, r.Action.ToString(), r.Period.Window.ToString(), r.Limit, r.Committed, Math.Round(r.Utilization, 4)))],
            budgetActions.Actions);

        T Loop<T>()
            where T : class => services.GetRequiredService<T>();

        // The simulated model is registered whether or not it is used: its count is the provider's only when the
        // pipeline ends in it. With a real endpoint (Llm:Endpoint) calls are not counted (-1), rather than reported as 0
        // and the cache hit ratio as 100 %.
        long ProviderCalls() => services.GetService<IChatClient>()?.GetService<SimulatedChatClient>()?.CallCount ?? -1;
        var work = new WorkReport(
            Loop<ConversationManagerLoop>().Turns,
            Loop<ConversationManagerLoop>().Refused,
            Loop<ConversationManagerLoop>().Failed,
            ProviderCalls(),
            Loop<NotificationDispatcherLoop>().Sent,
            Loop<GmailSyncLoop>().Synced,
            Loop<BrowserMonitorLoop>().Changes,
            Loop<TtsProcessorLoop>().Utterances,
            Loop<SttProcessorLoop>().Frames,
            Loop<LogRotationLoop>().Rotations,
            Loop<CacheMaintenanceLoop>().Purged,
            Loop<MemoryCleanupLoop>().BytesReclaimed,
            Loop<SelfOptimizationLoop>().Adjustments);

        return new RunReport(
            _startedAt,
            now,
            Math.Round((now - _startedAt).TotalSeconds, 1),
            options.Load.ToString().ToLowerInvariant(),
            loops,
            Math.Round(snapshot.System.GcPausePercent, 4),
            snapshot.System.PeakWorkingSetBytes,
            work.ConversationTurns > 0 && work.ProviderCalls >= 0 ? Math.Round(1 - ((double)Math.Min(work.ProviderCalls, work.ConversationTurns) / work.ConversationTurns), 4) : null,
            snapshot.Cache.HitRatio is { } ratio ? Math.Round(ratio, 4) : null,
            spend,
            health.GetAlerts(),
            fileLog.CurrentPath,
            fileLog.ReportDroppedLines(),
            work,
            snapshot);
    }
}
