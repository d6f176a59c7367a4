namespace ResourceKit.Scheduling.Tests.TestSupport;

/// <summary>
/// The two ways to queue synchronous work, for tests that check a rule both must keep (admission, queue bounds,
/// priority order, starvation bound, shutdown) once per path. Public because it is a test-case argument.
/// </summary>
public enum SubmissionPath
{
    /// <summary><see cref="PriorityScheduler.TrySchedule(Action{CancellationToken}, WorkPriority, TimeSpan?, CancellationToken)"/>, which hands back a task.</summary>
    TrySchedule,

    /// <summary><see cref="PriorityScheduler.TryPost(Action{CancellationToken}, WorkPriority)"/>, fire-and-forget.</summary>
    TryPost,
}
