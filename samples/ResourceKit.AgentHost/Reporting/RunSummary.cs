using System.Globalization;
using System.Text;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>Formats a run report as the console summary.</summary>
internal static class RunSummary
{
    public static string Format(RunReport report)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"=== ResourceKit agent host: {report.DurationSeconds:0.#} s, load {report.Load} ===");
        text.AppendLine(c, $"{"loop",-24}{"priority",-11}{"interval",10}{"runs",8}{"skips",7}{"fails",7}{"adherence",11}{"p95 ms",9}");
        foreach (var loop in report.Loops)
        {
            var adherence = loop.IntervalAdherence is { } a ? a.ToString("0.000", c) : "-";
            text.AppendLine(c, $"{loop.Name,-24}{loop.Priority,-11}{loop.IntervalSeconds,9:0.###}s{loop.Runs,8}{loop.Skips,7}{loop.Failures,7}{adherence,11}{loop.P95DurationMs,9:0.0}");
        }

        text.AppendLine(c, $"GC pause: {report.GcPausePercent:0.000} % of wall time   peak working set: {report.PeakWorkingSetBytes / (1024.0 * 1024):0.0} MB   LLM cache hit ratio: {(report.CacheHitRatio is { } h ? h.ToString("P1", c) : "-")} (all lookups {(report.TieredCacheHitRatio is { } t ? t.ToString("P1", c) : "-")})");
        foreach (var rule in report.Spend.Rules)
        {
            text.AppendLine(c, $"budget {rule.Rule,-22} {rule.Action,-9} ${rule.Committed:0.0000} of ${rule.Limit:0.00} ({rule.Utilization:P1})");
        }

        var actions = report.Spend.ActionsTaken.GroupBy(a => $"{a.Rule}:{a.Action}").Select(g => $"{g.Key} x{g.Count()}");
        text.AppendLine(c, $"budget actions taken: {string.Join(", ", actions.DefaultIfEmpty("none"))}");
        text.AppendLine(c, $"file log {report.LogPath}: {report.LogLinesDropped} lines dropped");
        text.AppendLine(c, $"turns {report.Work.ConversationTurns} (refused {report.Work.TurnsRefusedByBudget}, failed {report.Work.TurnsFailed}), provider calls {(report.Work.ProviderCalls < 0 ? "-" : report.Work.ProviderCalls.ToString(c))}, alerts {report.Alerts.Count}");
        return text.ToString();
    }
}
