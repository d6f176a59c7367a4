using System.Diagnostics.CodeAnalysis;

namespace ResourceKit.Scheduling;

/// <summary>
/// The outcome of scheduling work that produces a <typeparamref name="T"/>: either the work was queued and
/// <see cref="Completion"/> tracks it, or it was rejected and <see cref="RejectionReason"/> says why.
/// </summary>
/// <typeparam name="T">The type of the work's result.</typeparam>
public readonly record struct ScheduleResult<T>
{
    internal ScheduleResult(ScheduleStatus status, RejectionReason rejectionReason, Task<T>? completion)
    {
        Status = status;
        RejectionReason = rejectionReason;
        Completion = completion;
    }

    /// <summary>Gets the admission decision.</summary>
    public ScheduleStatus Status { get; }

    /// <summary>Gets why the work was rejected, or <see cref="RejectionReason.None"/> when it was queued.</summary>
    public RejectionReason RejectionReason { get; }

    /// <summary>Gets the task that yields the work's result; <see langword="null"/> when rejected.</summary>
    public Task<T>? Completion { get; }

    /// <summary>Gets a value indicating whether the work was queued (accepted or deferred).</summary>
    [MemberNotNullWhen(true, nameof(Completion))]
    public bool IsQueued => Completion is not null;
}
