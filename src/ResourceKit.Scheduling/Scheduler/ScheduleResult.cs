using System.Diagnostics.CodeAnalysis;

namespace ResourceKit.Scheduling;

/// <summary>
/// The outcome of <see cref="PriorityScheduler.TrySchedule(Action{CancellationToken}, WorkPriority, TimeSpan?, CancellationToken)"/>:
/// either the work was queued and <see cref="Completion"/> tracks it, or it was rejected and
/// <see cref="RejectionReason"/> says why. A rejected submission never runs and is never silently dropped.
/// </summary>
public readonly record struct ScheduleResult
{
    internal ScheduleResult(ScheduleStatus status, RejectionReason rejectionReason, Task? completion)
    {
        Status = status;
        RejectionReason = rejectionReason;
        Completion = completion;
    }

    /// <summary>Gets the admission decision.</summary>
    public ScheduleStatus Status { get; }

    /// <summary>Gets why the work was rejected, or <see cref="RejectionReason.None"/> when it was queued.</summary>
    public RejectionReason RejectionReason { get; }

    /// <summary>
    /// Gets the task that completes when the work has run: faulted with the work's own exception, with
    /// <see cref="TimeoutException"/> when its timeout elapsed, canceled when it was canceled; <see langword="null"/> when rejected.
    /// </summary>
    public Task? Completion { get; }

    /// <summary>Gets a value indicating whether the work was queued (accepted or deferred).</summary>
    [MemberNotNullWhen(true, nameof(Completion))]
    public bool IsQueued => Completion is not null;
}
