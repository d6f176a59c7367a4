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

    public static Task Idle(this PriorityScheduler scheduler) => scheduler.WhenIdleAsync().WaitAsync(Guard);

    public static Task Guarded(this Task task) => task.WaitAsync(Guard);

    public static Task<T> Guarded<T>(this Task<T> task) => task.WaitAsync(Guard);
}
