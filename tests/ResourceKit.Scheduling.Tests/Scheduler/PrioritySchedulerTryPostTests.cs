using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Scheduler;

/// <summary>The fire-and-forget path: the same admission, ordering and shutdown rules as TrySchedule, without a task.</summary>
public sealed class PrioritySchedulerTryPostTests
{
    private static readonly WorkPriority[] AllLevels = Enum.GetValues<WorkPriority>();

    [Test]
    public async Task TryPost_UnderContention_DispatchesInPriorityOrder()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.MaxBypassCount = 100);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        var order = new ConcurrentQueue<WorkPriority>();

        foreach (var priority in AllLevels.Reverse())
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.That(scheduler.TryPost(_ => order.Enqueue(priority), priority), Is.EqualTo(new PostResult(ScheduleStatus.Accepted, RejectionReason.None)));
            }
        }

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();

        Assert.That(order, Is.EqualTo(AllLevels.SelectMany(p => Enumerable.Repeat(p, 3))));
        Assert.That(scheduler.GetStatistics().Succeeded, Is.EqualTo(16));
    }

    [Test]
    public async Task TryPost_HighPriorityFlood_BackgroundRunsWithinStarvationBound()
    {
        const int maxBypass = 4;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.MaxBypassCount = maxBypass);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        var order = new ConcurrentQueue<WorkPriority>();

        scheduler.TryPost(_ => order.Enqueue(WorkPriority.Background), WorkPriority.Background);
        for (int i = 0; i < 50; i++)
        {
            scheduler.TryPost(_ => order.Enqueue(WorkPriority.High), WorkPriority.High);
        }

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();

        Assert.That(order.ToList().IndexOf(WorkPriority.Background), Is.InRange(0, maxBypass));
    }

    [Test]
    public async Task TryPost_CpuAboveThreshold_RejectsNonCriticalWithReason()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource();
        await using var scheduler = TestScheduler.Create(time, cpu);
        cpu.Utilization = 0.85;
        time.Sample();
        int ran = 0;

        var normal = scheduler.TryPost(_ => Interlocked.Increment(ref ran), WorkPriority.Normal);
        var critical = scheduler.TryPost(_ => Interlocked.Increment(ref ran), WorkPriority.Critical);
        await scheduler.Idle();

        Assert.Multiple(() =>
        {
            Assert.That(normal.IsQueued, Is.False);
            Assert.That(normal.RejectionReason, Is.EqualTo(RejectionReason.CpuOverload));
            Assert.That(critical.Status, Is.EqualTo(ScheduleStatus.Accepted));
            Assert.That(Volatile.Read(ref ran), Is.EqualTo(1), "only the Critical post ran");
            Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Normal].Rejected, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task TryPost_CpuAboveThresholdWithDeferPolicy_HoldsWorkUntilCpuFalls()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.95 };
        await using var scheduler = TestScheduler.Create(time, cpu, configure: o => o.OverloadPolicy = OverloadPolicy.Defer);
        int ran = 0;

        var deferred = scheduler.TryPost(_ => Interlocked.Increment(ref ran), WorkPriority.Low);
        await scheduler.RunAsync(_ => { }, WorkPriority.Critical).Guarded();

        Assert.That(deferred.Status, Is.EqualTo(ScheduleStatus.Deferred));
        Assert.That(Volatile.Read(ref ran), Is.Zero);

        cpu.Utilization = 0.2;
        time.Sample();
        await scheduler.Idle();
        Assert.That(ran, Is.EqualTo(1));
    }

    [Test]
    public async Task TryPost_QueueAtLimit_RejectsWithQueueFull()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.QueueLengthLimits.Low = 2);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);

        var results = Enumerable.Range(0, 3).Select(_ => scheduler.TryPost(_ => { }, WorkPriority.Low)).ToList();

        Assert.That(results.Select(r => r.RejectionReason), Is.EqualTo(new[] { RejectionReason.None, RejectionReason.None, RejectionReason.QueueFull }));
        Assert.That(scheduler.TryPost(_ => { }, WorkPriority.Normal).IsQueued, Is.True, "other levels are unaffected");
        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().Succeeded, Is.EqualTo(4), "the gate, two Low posts and the Normal post");
    }

    [Test]
    public async Task TryPost_WorkThrows_LogsAndCountsWithoutFailingOthers()
    {
        var time = new FakeTimeProvider();
        var logger = new FakeLogger<PriorityScheduler>();
        await using var scheduler = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = 1, CriticalReserve = 0 }, time, new FakeCpuSource(), logger);
        int ran = 0;

        scheduler.TryPost(_ => throw new InvalidOperationException("boom"), WorkPriority.High);
        scheduler.TryPost(_ => Interlocked.Increment(ref ran), WorkPriority.Low);
        var scheduled = scheduler.RunAsync(_ => ValueTask.FromResult("ok"));

        Assert.That(await scheduled.Guarded(), Is.EqualTo("ok"));
        await scheduler.Idle();
        var stats = scheduler.GetStatistics();
        var failure = logger.Collector.GetSnapshot().Single(r => r.Level == LogLevel.Error);
        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.EqualTo(1));
            Assert.That((stats.Faulted, stats.Succeeded), Is.EqualTo((1L, 2L)));
            Assert.That(failure.Exception, Is.InstanceOf<InvalidOperationException>());
        });
    }

    [Test]
    public async Task TryPost_QueuedAtShutdown_DrainsThenRejectsNewWork()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        int ran = 0;
        for (int i = 0; i < 5; i++)
        {
            Assert.That(scheduler.TryPost(_ => Interlocked.Increment(ref ran), WorkPriority.Low).IsQueued, Is.True);
        }

        var shutdown = scheduler.ShutdownAsync(TimeSpan.FromSeconds(30));
        var late = scheduler.TryPost(_ => { }, WorkPriority.Critical);
        gate.Open();
        await shutdown.Guarded();

        Assert.That(late, Is.EqualTo(new PostResult(ScheduleStatus.Rejected, RejectionReason.ShuttingDown)));
        Assert.That(ran, Is.EqualTo(5));
        await blocker.Guarded();
    }

    [Test]
    public async Task TryPost_GracePeriodElapses_CountsQueuedAsCanceledWithoutRunning()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var running = await gate.OccupyAsync(scheduler);
        bool ran = false;
        scheduler.TryPost(_ => ran = true, WorkPriority.Low);

        var shutdown = scheduler.ShutdownAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(10));
        await shutdown.Guarded();
        Assert.That(async () => await running.Guarded(), Throws.InstanceOf<OperationCanceledException>());
        await scheduler.Idle();

        Assert.That(ran, Is.False);
        Assert.That(scheduler.GetStatistics().Canceled, Is.EqualTo(2), "the queued post and the signalled gate");
    }

    [Test]
    public async Task TryPost_ManyThreads_EveryAcceptedPostRunsOnce()
    {
        const int threads = 8;
        const int perThread = 500;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 4);
        int ran = 0;
        int accepted = 0;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                if (scheduler.TryPost(_ => Interlocked.Increment(ref ran), AllLevels[(t + i) % AllLevels.Length]).IsQueued)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        }))).Guarded();
        await scheduler.Idle();

        var stats = scheduler.GetStatistics();
        long rejected = stats.Levels.Sum(l => l.Rejected);
        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.EqualTo(accepted));
            Assert.That(accepted + rejected, Is.EqualTo(threads * perThread));
            Assert.That(stats.Succeeded, Is.EqualTo(accepted));
        });
    }

    [Test]
    public async Task TryPost_BadArguments_Throw()
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());

        Assert.Throws<ArgumentNullException>(() => scheduler.TryPost(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.TryPost(_ => { }, (WorkPriority)9));
    }
}
