namespace ResourceKit.Scheduling.Tests.TestSupport;

/// <summary>
/// What either submission path said, in one shape: the admission decision as the path's own result reported it
/// (<see cref="IsQueued"/> included), and the task only <see cref="SubmissionPath.TrySchedule"/> hands back
/// (<see langword="null"/> when rejected, and always for <see cref="SubmissionPath.TryPost"/>).
/// </summary>
internal readonly record struct Submission(ScheduleStatus Status, RejectionReason RejectionReason, bool IsQueued, Task? Completion);
