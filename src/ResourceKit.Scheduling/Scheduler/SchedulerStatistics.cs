namespace ResourceKit.Scheduling;

/// <summary>A point-in-time snapshot of a <see cref="PriorityScheduler"/>.</summary>
/// <remarks>
/// The item counts are exact whenever the scheduler is idle. While a worker drains a burst of synchronous work it
/// publishes its counts every 32 items (and before it awaits asynchronous work that has to wait), so during a burst
/// they may trail by up to that many items per worker.
/// </remarks>
/// <param name="CpuUtilization">The latest process CPU reading, 0–1 of the machine.</param>
/// <param name="IsOverloaded">Whether that reading is above the threshold, so non-critical work is being shed.</param>
/// <param name="ActiveWorkers">Workers currently running or looking for work, including critical reserve workers.</param>
/// <param name="Succeeded">Items that ran to completion.</param>
/// <param name="Faulted">Items whose work threw.</param>
/// <param name="Canceled">Items canceled before or while running.</param>
/// <param name="TimedOut">Items that exceeded their timeout.</param>
/// <param name="Levels">Per-level counters, indexed by <see cref="WorkPriority"/>.</param>
public sealed record SchedulerStatistics(
    double CpuUtilization,
    bool IsOverloaded,
    int ActiveWorkers,
    long Succeeded,
    long Faulted,
    long Canceled,
    long TimedOut,
    IReadOnlyList<PriorityLevelStatistics> Levels);
