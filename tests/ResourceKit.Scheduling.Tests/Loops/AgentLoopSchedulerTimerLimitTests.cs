using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Loops;

/// <summary>
/// Durations longer than a .NET timer can wait (0xFFFFFFFE ms, about 49.7 days) are refused where they are given,
/// instead of passing validation and throwing later from a timer, a token source or a delay.
/// </summary>
public sealed class AgentLoopSchedulerTimerLimitTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SixtyDays = TimeSpan.FromDays(60);

    [TestCase("Interval")]
    [TestCase("InitialDelay")]
    [TestCase("Timeout")]
    [TestCase("Jitter")]
    public async Task Add_DurationAboveTimerMaximum_ThrowsNamingTheOption(string option)
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());
        await using var loops = new AgentLoopScheduler(scheduler);
        var options = new AgentLoopOptions { Interval = Interval };
        switch (option)
        {
            case "Interval":
                options.Interval = SixtyDays;
                break;
            case "InitialDelay":
                options.InitialDelay = SixtyDays;
                break;
            case "Timeout":
                options.Timeout = SixtyDays;
                break;
            default:
                // Each part is in range, but the interval plus the jitter is not.
                options.Interval = TimeSpan.FromDays(40);
                options.Jitter = TimeSpan.FromDays(20);
                break;
        }

        var exception = Assert.Throws<ArgumentException>(() => loops.Add("long", options, _ => ValueTask.CompletedTask));

        Assert.That(exception!.Message, Does.Contain("Loop 'long'").And.Contain(option).And.Contain("49.7 days"));
    }

    [Test]
    public async Task Add_InfiniteTimeout_RunsWithoutTimeLimit()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        loops.Add("unbounded", new AgentLoopOptions { Interval = Interval, Timeout = Timeout.InfiniteTimeSpan }, gate.HoldAsync);
        loops.Start();

        time.Advance(Interval);
        await gate.Started.Guarded();
        time.Advance(TimeSpan.FromDays(1));
        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.False, "an infinite timeout never signals the run");

        gate.Open();
        await scheduler.Idle();
        Assert.That(loops.GetStatistics("unbounded")!.Failures, Is.Zero);
    }

    [Test]
    public async Task StopAsync_GracePeriodAboveTimerMaximum_ThrowsAndLeavesLoopsRunning()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        int runs = 0;
        loops.Add("busy", new AgentLoopOptions { Interval = Interval }, async ct =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.HoldAsync(ct);
            }
        });
        loops.Start();
        time.Advance(Interval);
        await gate.Started.Guarded();

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => loops.StopAsync(SixtyDays));

        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.False, "the refused call changed nothing");
        gate.Open();
        await scheduler.Idle();
        time.Advance(Interval);
        await scheduler.Idle();
        Assert.That(runs, Is.EqualTo(2), "the loop still ticks");
        await loops.StopAsync(TimeSpan.FromSeconds(1)).Guarded();
    }

    [Test]
    public async Task ShutdownAsync_GracePeriodAboveTimerMaximum_ThrowsAndKeepsAccepting()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var running = await gate.OccupyAsync(scheduler);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => scheduler.ShutdownAsync(SixtyDays));

        Assert.That(scheduler.TrySchedule(_ => { }).IsQueued, Is.True, "the refused call did not stop the scheduler");
        gate.Open();
        await running.Guarded();
        await scheduler.Idle();
    }

    [Test]
    public async Task TrySchedule_TimeoutAboveTimerMaximum_ThrowsArgumentOutOfRange()
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());

        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.TrySchedule(_ => ValueTask.CompletedTask, WorkPriority.Low, SixtyDays));

        Assert.That(exception!.Message, Does.Contain("49.7 days"));
    }

    [Test]
    public void PrioritySchedulerConstructor_CpuSampleIntervalAboveTimerMaximum_Throws()
    {
        var options = new PrioritySchedulerOptions { CpuSampleInterval = SixtyDays };

        var exception = Assert.Throws<ArgumentException>(() => _ = new PriorityScheduler(options, new FakeTimeProvider(), new FakeCpuSource()));

        Assert.That(exception!.Message, Does.Contain("CpuSampleInterval").And.Contain("49.7 days"));
    }

    [Test]
    public void BatcherConstructor_MaxBatchDelayAboveTimerMaximum_Throws()
    {
        var options = new BatcherOptions { MaxBatchDelay = SixtyDays };

        var exception = Assert.Throws<ArgumentException>(() => _ = new Batcher<int>(options, (_, _) => ValueTask.CompletedTask, new FakeTimeProvider()));

        Assert.That(exception!.Message, Does.Contain("MaxBatchDelay").And.Contain("49.7 days"));
    }

    [Test]
    public async Task Tick_QueuedRunCanceledByDisposedScheduler_IsNotLeftInFlight()
    {
        var time = new FakeTimeProvider();
        var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        loops.Add("queued", new AgentLoopOptions { Interval = Interval }, _ => ValueTask.CompletedTask);
        loops.Start();
        time.Advance(Interval);

        scheduler.Dispose();
        time.Advance(Interval);

        var stats = loops.GetStatistics("queued")!;
        Assert.That((stats.Runs, stats.MissedTicks, stats.RejectedSkips), Is.EqualTo((0L, 0L, 1L)), "the canceled run no longer holds the loop: the next tick is refused (shutting down), not missed");
        gate.Open();
        Assert.That(async () => await blocker.Guarded(), Throws.InstanceOf<OperationCanceledException>(), "disposing signalled the running gate");
    }
}
