namespace ResourceKit.Scheduling;

/// <summary>What the <see cref="PriorityScheduler"/> does with non-critical work while the process CPU is above its threshold.</summary>
public enum OverloadPolicy
{
    /// <summary>Refuse the submission: the caller gets <see cref="ScheduleStatus.Rejected"/> with <see cref="RejectionReason.CpuOverload"/>.</summary>
    Reject = 0,

    /// <summary>
    /// Accept the submission as <see cref="ScheduleStatus.Deferred"/>: it stays queued, and no non-critical
    /// work is dispatched until the CPU falls back under the threshold. Queue bounds still apply, and are required:
    /// validation refuses this policy unless <see cref="QueueLengthLimits"/> bounds every non-critical level.
    /// </summary>
    Defer = 1,
}
