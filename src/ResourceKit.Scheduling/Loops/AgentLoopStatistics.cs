namespace ResourceKit.Scheduling;

/// <summary>A point-in-time snapshot of one agent loop.</summary>
/// <param name="Name">The loop's name.</param>
/// <param name="Priority">The loop's level.</param>
/// <param name="Interval">The configured interval.</param>
/// <param name="CpuBudgetPercent">The configured CPU budget, percent of the machine.</param>
/// <param name="Description">The configured description.</param>
/// <param name="Runs">Runs started (including failed ones and catch-up runs).</param>
/// <param name="Failures">Runs that threw or timed out.</param>
/// <param name="MissedTicks">Ticks dropped because the previous run was still in flight or the timer fired late.</param>
/// <param name="CpuSkips">Ticks skipped because utilization plus the budget would exceed the loop CPU limit.</param>
/// <param name="RejectedSkips">Ticks the scheduler rejected (queue full, CPU overload, shutdown).</param>
/// <param name="MeanDuration">The mean wall-clock run duration over all runs.</param>
/// <param name="P95Duration">The 95th percentile run duration over the last 256 runs.</param>
/// <param name="CpuTime">
/// Thread CPU time used by all runs: the synchronous part of each run on its worker thread (all of it for loops that
/// do not yield); continuations after an await that yields run elsewhere and are not counted.
/// </param>
/// <param name="LastRunStarted">When the last run started, or <see langword="null"/> before the first.</param>
/// <param name="IntervalAdherence">
/// The mean time between consecutive run starts divided by the interval (1.0 is perfect; 2.0 means every other tick
/// was skipped), or <see langword="null"/> before the second run.
/// </param>
public sealed record AgentLoopStatistics(
    string Name,
    WorkPriority Priority,
    TimeSpan Interval,
    double CpuBudgetPercent,
    string? Description,
    long Runs,
    long Failures,
    long MissedTicks,
    long CpuSkips,
    long RejectedSkips,
    TimeSpan MeanDuration,
    TimeSpan P95Duration,
    TimeSpan CpuTime,
    DateTimeOffset? LastRunStarted,
    double? IntervalAdherence)
{
    /// <summary>Gets all ticks that did not lead to a run: missed, CPU-skipped and rejected.</summary>
    public long Skips => MissedTicks + CpuSkips + RejectedSkips;

    /// <summary>Gets how long the run in flight has been running, or <see langword="null"/> when none is (a queued run has not started).</summary>
    public TimeSpan? RunningFor { get; init; }

    /// <summary>
    /// Gets a value indicating whether the run in flight has outlived its timeout: its token was signalled and it has
    /// not ended. Its scheduler worker is freed after <see cref="PrioritySchedulerOptions.TimeoutGracePeriod"/>, but the
    /// loop does not run again (its ticks count as missed) until the run ends.
    /// </summary>
    public bool IsStalled { get; init; }
}
