namespace ResourceKit.Scheduling;

/// <summary>Why a submission was rejected.</summary>
public enum RejectionReason
{
    /// <summary>The submission was not rejected.</summary>
    None = 0,

    /// <summary>The process CPU was above the threshold and the work was not critical (<see cref="OverloadPolicy.Reject"/>).</summary>
    CpuOverload = 1,

    /// <summary>The queue for the work's priority level was at its configured length limit.</summary>
    QueueFull = 2,

    /// <summary>The scheduler is shutting down or disposed and accepts no more work.</summary>
    ShuttingDown = 3,
}
