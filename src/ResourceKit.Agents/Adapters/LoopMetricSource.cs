using ResourceKit.Agents.Monitoring;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// Reports the agent loops' health: total failures, how many loops are stalled (a run past its timeout that has not
/// ended, <see cref="MetricNames.StalledLoops"/>) and, for each critical loop that has run, how far its actual interval
/// strays from the configured one (<c>loop_interval_deviation_percent</c>, worst loop).
/// </summary>
/// <param name="loops">The loop scheduler.</param>
public sealed class LoopMetricSource(AgentLoopScheduler loops) : IHealthMetricSource
{
    /// <summary>The metric name of the worst loop's interval deviation, percent.</summary>
    public const string IntervalDeviationPercent = "loop_interval_deviation_percent";

    private readonly AgentLoopScheduler _loops = loops ?? throw new ArgumentNullException(nameof(loops));

    /// <inheritdoc />
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var statistics = _loops.GetStatistics();
        readings.Add(new MetricReading(ComponentNames.Loops, "loop_failures", statistics.Sum(s => s.Failures)));
        readings.Add(new MetricReading(ComponentNames.Loops, "loop_skips", statistics.Sum(s => s.Skips)));
        readings.Add(new MetricReading(ComponentNames.Loops, MetricNames.StalledLoops, statistics.Count(s => s.IsStalled)));
        var deviations = statistics
            .Where(s => s.IntervalAdherence is not null && s.Priority == WorkPriority.Critical)
            .Select(s => Math.Abs(s.IntervalAdherence!.Value - 1) * 100)
            .ToList();
        if (deviations.Count > 0)
        {
            readings.Add(new MetricReading(ComponentNames.Loops, IntervalDeviationPercent, deviations.Max()));
        }

        return ValueTask.CompletedTask;
    }
}
