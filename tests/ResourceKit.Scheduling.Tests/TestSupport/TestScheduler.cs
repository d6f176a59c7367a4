using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Scheduling.Tests.TestSupport;

/// <summary>Builds schedulers on a fake clock and CPU source, and bounds every await so a bug fails instead of hanging.</summary>
internal static class TestScheduler
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    public static PriorityScheduler Create(FakeTimeProvider time, FakeCpuSource? cpu = null, int maxConcurrency = 1, int criticalReserve = 0, Action<PrioritySchedulerOptions>? configure = null)
    {
        var options = new PrioritySchedulerOptions { MaxConcurrency = maxConcurrency, CriticalReserve = criticalReserve };
        configure?.Invoke(options);
        return new PriorityScheduler(options, time, cpu ?? new FakeCpuSource());
    }

    /// <summary>Moves the fake clock one CPU sample interval, so the scheduler reads the fake CPU source.</summary>
    public static void Sample(this FakeTimeProvider time) => time.Advance(PrioritySchedulerOptions.DefaultCpuSampleInterval);

    /// <summary>Queues <paramref name="work"/> through <paramref name="path"/> and reports the outcome uniformly.</summary>
    public static Submission TrySubmit(this PriorityScheduler scheduler, SubmissionPath path, Action<CancellationToken> work, WorkPriority priority = WorkPriority.Normal)
    {
        if (path == SubmissionPath.TryPost)
        {
            var posted = scheduler.TryPost(work, priority);
            return new Submission(posted.Status, posted.RejectionReason, posted.IsQueued, Completion: null);
        }

        var scheduled = scheduler.TrySchedule(work, priority);
        return new Submission(scheduled.Status, scheduled.RejectionReason, scheduled.IsQueued, scheduled.Completion);
    }

    public static Task Idle(this PriorityScheduler scheduler) => scheduler.WhenIdleAsync().WaitAsync(Guard);

    /// <summary>
    /// Waits until every task TrySchedule handed back has completed (rethrowing a fault or cancellation) and the
    /// scheduler is idle; for TryPost, which hands back no task, only the latter.
    /// </summary>
    public static async Task Settled(this PriorityScheduler scheduler, params IEnumerable<Submission> submissions)
    {
        await Task.WhenAll(submissions.Select(s => s.Completion).OfType<Task>()).Guarded();
        await scheduler.Idle();
    }

    public static Task Guarded(this Task task) => task.WaitAsync(Guard);

    public static Task<T> Guarded<T>(this Task<T> task) => task.WaitAsync(Guard);
}
