namespace ResourceKit.Scheduling;

/// <summary>
/// The outcome of <see cref="PriorityScheduler.TryPost(Action{CancellationToken}, WorkPriority)"/>: either the work was
/// queued (and will run, or be canceled and counted at shutdown), or it was rejected and <see cref="RejectionReason"/>
/// says why. A rejected post never runs and is never silently dropped.
/// </summary>
/// <param name="Status">The admission decision.</param>
/// <param name="RejectionReason">Why the work was rejected, or <see cref="RejectionReason.None"/> when it was queued.</param>
public readonly record struct PostResult(ScheduleStatus Status, RejectionReason RejectionReason)
{
    /// <summary>Gets a value indicating whether the work was queued (accepted or deferred).</summary>
    public bool IsQueued => Status != ScheduleStatus.Rejected;
}
