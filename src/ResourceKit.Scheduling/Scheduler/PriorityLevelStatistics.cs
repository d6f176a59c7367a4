namespace ResourceKit.Scheduling;

/// <summary>Counters for one priority level of a <see cref="PriorityScheduler"/>.</summary>
/// <param name="Priority">The level.</param>
/// <param name="QueueLength">Items waiting now (including deferred ones).</param>
/// <param name="Dispatched">Items taken from the queue to run, since the scheduler was created.</param>
/// <param name="Rejected">Submissions rejected, for any reason, since the scheduler was created.</param>
public readonly record struct PriorityLevelStatistics(WorkPriority Priority, int QueueLength, long Dispatched, long Rejected);
