using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost.Logging;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.Agents.Dashboard;

namespace ResourceKit.AgentHost;

/// <summary>
/// Prints a live status block every few seconds: loops, CPU, memory, GC overhead, cache hit rate, spend against each
/// budget, alerts, and log lines the file logger had to drop (only once there are some). A status line that cannot be built (the spend store is down) is logged and skipped: an exception
/// escaping ExecuteAsync would stop the whole host (BackgroundServiceExceptionBehavior.StopHost).
/// </summary>
internal sealed partial class ConsoleStatusService(
    DashboardSnapshotBuilder dashboard,
    BudgetActionLog budgetActions,
    RollingFileLoggerProvider fileLog,
    RunOptions options,
    TimeProvider time,
    ILogger<ConsoleStatusService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.StatusInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var snapshot = await dashboard.CaptureAsync(stoppingToken);
                    Console.WriteLine(Format(snapshot, budgetActions.Actions.Count, fileLog.DroppedLines));
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogStatusFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The status line could not be built; trying again at the next interval.")]
    private static partial void LogStatusFailed(ILogger logger, Exception exception);

    internal static string Format(DashboardSnapshot s, int budgetActions, long droppedLogLines)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var runs = s.Loops.Sum(l => l.Runs);
        var skips = s.Loops.Sum(l => l.Skips);
        var failures = s.Loops.Sum(l => l.Failures);
        var idle = s.Loops.Count(l => l.Runs == 0);
        var stalled = s.Loops.Count(l => l.IsStalled);
        // Total hours, not the hh of the day: a 24/7 host's uptime passes a day, and hh would start again at 00.
        text.Append(c, $"[{(long)s.System.Uptime.TotalHours:00}:{s.System.Uptime:mm\\:ss}] loops {s.Loops.Count} runs {runs} skips {skips} fails {failures} waiting {idle} stalled {stalled}");
        text.Append(c, $" | cpu {s.System.CpuPercent:0.0}% mem {s.System.MemoryUsedBytes / (1024.0 * 1024):0} MB ({s.System.PressureLevel}) gc {s.System.GcPausePercent:0.00}%");
        text.Append(c, $" | cache hit {(s.Cache.HitRatio is { } h ? h.ToString("P0", c) : "-")}");
        foreach (var rule in s.Spend.Rules)
        {
            text.Append(c, $" | {rule.RuleName} ${rule.Committed:0.000}/{rule.Limit:0}");
        }

        text.Append(c, $" | budget actions {budgetActions} | alerts {s.Alerts.Warning + s.Alerts.Critical + s.Alerts.Emergency}");
        if (droppedLogLines > 0)
        {
            // The file log is what an operator reads after an incident: say when it has gaps (disk full or too slow).
            text.Append(c, $" | log lines dropped {droppedLogLines}");
        }

        return text.ToString();
    }
}
