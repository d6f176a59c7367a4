namespace ResourceKit.Scheduling;

/// <summary>The admission decision for one submission.</summary>
public enum ScheduleStatus
{
    /// <summary>
    /// The work was queued and will be dispatched by priority, even when a shutdown begins at the same moment; only
    /// its own token, a shutdown's grace period ending or <see cref="PriorityScheduler.Dispose"/> cancel it before it starts.
    /// </summary>
    Accepted = 0,

    /// <summary>The work was queued but is held until the CPU falls under the threshold (<see cref="OverloadPolicy.Defer"/>).</summary>
    Deferred = 1,

    /// <summary>The work was not queued; <see cref="RejectionReason"/> says why. It will never run.</summary>
    Rejected = 2,
}
