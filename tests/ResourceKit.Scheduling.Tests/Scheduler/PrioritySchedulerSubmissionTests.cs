using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Scheduler;

/// <summary>
/// The rules TrySchedule and the fire-and-forget TryPost share (priority order, starvation bound, CPU shedding,
/// queue bounds, shutdown), each test run once per <see cref="SubmissionPath"/>. TrySubmit stands for either.
/// </summary>
public sealed class PrioritySchedulerSubmissionTests
{
    private static readonly WorkPriority[] AllLevels = Enum.GetValues<WorkPriority>();

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_UnderContention_DispatchesInPriorityOrder(SubmissionPath path)
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
                var submission = scheduler.TrySubmit(path, _ => order.Enqueue(priority), priority);
                Assert.That((submission.Status, submission.RejectionReason), Is.EqualTo((ScheduleStatus.Accepted, RejectionReason.None)));
            }
        }

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();

        Assert.That(order, Is.EqualTo(AllLevels.SelectMany(p => Enumerable.Repeat(p, 3))));
        Assert.That(scheduler.GetStatistics().Succeeded, Is.EqualTo(16), "the gate and the fifteen submissions");
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_HighPriorityFlood_BackgroundRunsWithinStarvationBound(SubmissionPath path)
    {
        const int maxBypass = 4;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.MaxBypassCount = maxBypass);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        var order = new ConcurrentQueue<WorkPriority>();

        scheduler.TrySubmit(path, _ => order.Enqueue(WorkPriority.Background), WorkPriority.Background);
        for (int i = 0; i < 50; i++)
        {
            scheduler.TrySubmit(path, _ => order.Enqueue(WorkPriority.High), WorkPriority.High);
            scheduler.TrySubmit(path, _ => order.Enqueue(WorkPriority.Critical), WorkPriority.Critical);
        }

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();

        // Critical work is exempt from aging and always goes first; among the rest the bound is
        // MaxBypassCount + (non-critical levels above Background = 3) dispatches.
        var nonCritical = order.Where(p => p != WorkPriority.Critical).ToList();
        int backgroundPosition = nonCritical.IndexOf(WorkPriority.Background);
        Assert.That(order.Take(50), Is.All.EqualTo(WorkPriority.Critical));
        Assert.That(backgroundPosition, Is.InRange(0, maxBypass + 3));
        Assert.That(backgroundPosition, Is.EqualTo(maxBypass), "one High dispatch per bypass, then the starved Background item");
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_CpuAboveThreshold_ShedsNonCriticalWithReason(SubmissionPath path)
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource();
        await using var scheduler = TestScheduler.Create(time, cpu);
        cpu.Utilization = 0.85;
        time.Sample();
        int ran = 0;

        var normal = scheduler.TrySubmit(path, _ => Interlocked.Increment(ref ran), WorkPriority.Normal);
        var critical = scheduler.TrySubmit(path, _ => Interlocked.Increment(ref ran), WorkPriority.Critical);
        await scheduler.Settled(critical);

        Assert.Multiple(() =>
        {
            Assert.That(scheduler.IsOverloaded, Is.True);
            Assert.That(normal.Status, Is.EqualTo(ScheduleStatus.Rejected));
            Assert.That(normal.IsQueued, Is.False);
            Assert.That(normal.RejectionReason, Is.EqualTo(RejectionReason.CpuOverload));
            Assert.That(normal.Completion, Is.Null);
            Assert.That(critical.Status, Is.EqualTo(ScheduleStatus.Accepted));
            Assert.That(Volatile.Read(ref ran), Is.EqualTo(1), "only the Critical work ran");
        });

        cpu.Utilization = 0.5;
        time.Sample();
        Assert.That(scheduler.TrySubmit(path, _ => { }, WorkPriority.Background).Status, Is.EqualTo(ScheduleStatus.Accepted));
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Normal].Rejected, Is.EqualTo(1));
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_CpuAboveThresholdWithDeferPolicy_HoldsWorkUntilCpuFalls(SubmissionPath path)
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.95 };
        await using var scheduler = TestScheduler.Create(time, cpu, configure: BoundedDefer);
        int ran = 0;

        var deferred = scheduler.TrySubmit(path, _ => Interlocked.Increment(ref ran), WorkPriority.Low);
        await scheduler.RunAsync(_ => { }, WorkPriority.Critical).Guarded();

        Assert.That(deferred.Status, Is.EqualTo(ScheduleStatus.Deferred));
        Assert.That(Volatile.Read(ref ran), Is.Zero);
        Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Low].QueueLength, Is.EqualTo(1));

        cpu.Utilization = 0.2;
        time.Sample();
        await scheduler.Settled(deferred);
        Assert.That(ran, Is.EqualTo(1));
    }

    [Test]
    public void Constructor_DeferPolicyWithUnboundedNonCriticalLevels_ThrowsNamingThem()
    {
        var options = new PrioritySchedulerOptions { OverloadPolicy = OverloadPolicy.Defer };
        options.QueueLengthLimits.High = 100;

        var exception = Assert.Throws<ArgumentException>(() => _ = new PriorityScheduler(options, new FakeTimeProvider(), new FakeCpuSource()));

        Assert.That(exception!.Message, Does.Contain("OverloadPolicy Defer needs a QueueLengthLimits bound").And.Contain("Normal, Low, Background").And.Not.Contain("High,"));
    }

    [Test]
    public async Task TrySubmit_DeferredWorkAtItsBound_IsRejectedQueueFull()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.95 };
        await using var scheduler = TestScheduler.Create(time, cpu, configure: BoundedDefer);

        var held = Enumerable.Range(0, 3).Select(_ => scheduler.TrySchedule(_ => { }, WorkPriority.Low)).ToList();
        var overflow = scheduler.TrySchedule(_ => { }, WorkPriority.Low);

        Assert.That(held.Select(r => r.Status), Is.All.EqualTo(ScheduleStatus.Deferred));
        Assert.That(overflow.RejectionReason, Is.EqualTo(RejectionReason.QueueFull), "deferred work cannot pile up past its level's bound");
        cpu.Utilization = 0.2;
        time.Sample();
        await scheduler.Settled(held.Select(r => new Submission(r.Status, r.RejectionReason, r.IsQueued, r.Completion)));
    }

    private static void BoundedDefer(PrioritySchedulerOptions options)
    {
        options.OverloadPolicy = OverloadPolicy.Defer;
        options.QueueLengthLimits.High = 3;
        options.QueueLengthLimits.Normal = 3;
        options.QueueLengthLimits.Low = 3;
        options.QueueLengthLimits.Background = 3;
    }

    [Test]
    public async Task TrySchedule_CanceledWhileQueued_GivesItsPlaceBack()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.QueueLengthLimits.Low = 2);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        using var cancel = new CancellationTokenSource();
        int ran = 0;

        var canceled = scheduler.TrySchedule(_ => Interlocked.Increment(ref ran), WorkPriority.Low, cancellationToken: cancel.Token);
        var kept = scheduler.TrySchedule(_ => Interlocked.Increment(ref ran), WorkPriority.Low);
        await cancel.CancelAsync();

        Assert.That(canceled.Completion!.IsCanceled, Is.True);
        Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Low].QueueLength, Is.EqualTo(1), "a canceled item no longer counts");
        var third = scheduler.TrySchedule(_ => Interlocked.Increment(ref ran), WorkPriority.Low);
        Assert.That(third.RejectionReason, Is.EqualTo(RejectionReason.None), "its place went to a live submission");

        gate.Open();
        await blocker.Guarded();
        await kept.Completion!.Guarded();
        await third.Completion!.Guarded();
        await scheduler.Idle();
        Assert.That(ran, Is.EqualTo(2));
        Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Low].QueueLength, Is.Zero, "the dead item's dequeue does not count it twice");
        Assert.That(scheduler.TrySchedule(_ => { }, WorkPriority.Low).IsQueued && scheduler.TrySchedule(_ => { }, WorkPriority.Low).IsQueued, Is.True, "both places are free again");
    }

    [Test]
    public async Task TrySchedule_ManyCanceledWhileQueued_QueueStillHoldsAtMostTwiceItsLimit()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.QueueLengthLimits.Low = 2);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        var accepted = 0;

        // Callers keep submitting and giving up while the worker is busy: only two dead items get their places back.
        for (var i = 0; i < 10; i++)
        {
            using var cancel = new CancellationTokenSource();
            if (scheduler.TrySchedule(_ => { }, WorkPriority.Low, cancellationToken: cancel.Token).IsQueued)
            {
                accepted++;
            }

            await cancel.CancelAsync();
        }

        Assert.That(accepted, Is.EqualTo(4), "two places given back by dead items, then two dead items that keep theirs");
        Assert.That(scheduler.TrySchedule(_ => { }, WorkPriority.Low).RejectionReason, Is.EqualTo(RejectionReason.QueueFull));

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().Levels[(int)WorkPriority.Low].QueueLength, Is.Zero);
        Assert.That(scheduler.TrySchedule(_ => { }, WorkPriority.Low).IsQueued && scheduler.TrySchedule(_ => { }, WorkPriority.Low).IsQueued, Is.True, "every place is free once the dead items are skipped");
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_QueueAtLimit_RejectsWithQueueFull(SubmissionPath path)
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.QueueLengthLimits.Low = 2);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);

        var results = Enumerable.Range(0, 3).Select(_ => scheduler.TrySubmit(path, _ => { }, WorkPriority.Low)).ToList();

        Assert.That(results.Select(r => r.RejectionReason), Is.EqualTo(new[] { RejectionReason.None, RejectionReason.None, RejectionReason.QueueFull }));
        Assert.That(scheduler.TrySubmit(path, _ => { }, WorkPriority.Normal).IsQueued, Is.True, "other levels are unaffected");
        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().Succeeded, Is.EqualTo(4), "the gate, two Low submissions and the Normal one");
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task ShutdownAsync_QueuedWork_DrainsThenRejectsNewWork(SubmissionPath path)
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        int ran = 0;
        var queued = Enumerable.Range(0, 5).Select(_ => scheduler.TrySubmit(path, _ => Interlocked.Increment(ref ran), WorkPriority.Low)).ToArray();
        Assert.That(queued.Select(q => q.IsQueued), Is.All.True);

        var shutdown = scheduler.ShutdownAsync(TimeSpan.FromSeconds(30));
        var late = scheduler.TrySubmit(path, _ => { }, WorkPriority.Critical);
        gate.Open();
        await shutdown.Guarded();

        Assert.That((late.Status, late.RejectionReason), Is.EqualTo((ScheduleStatus.Rejected, RejectionReason.ShuttingDown)));
        await scheduler.Settled(queued);
        Assert.That(ran, Is.EqualTo(5));
        await blocker.Guarded();
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task ShutdownAsync_GracePeriodElapses_SignalsRunningAndCancelsQueued(SubmissionPath path)
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var running = await gate.OccupyAsync(scheduler);
        bool ran = false;
        var queued = scheduler.TrySubmit(path, _ => ran = true, WorkPriority.Low);

        var shutdown = scheduler.ShutdownAsync(TimeSpan.FromSeconds(10));
        Assert.That(shutdown.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(10));
        await shutdown.Guarded();

        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.True);
        Assert.That(async () => await running.Guarded(), Throws.InstanceOf<OperationCanceledException>());
        await scheduler.Idle();
        Assert.That(ran, Is.False);
        Assert.That(scheduler.GetStatistics().Canceled, Is.EqualTo(2), "the queued work and the signalled gate");
        if (path == SubmissionPath.TrySchedule)
        {
            Assert.That(queued.Completion!.IsCanceled, Is.True, "the task TrySchedule handed back is canceled");
        }
    }

    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_BadArguments_Throw(SubmissionPath path)
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());

        Assert.Throws<ArgumentNullException>(() => scheduler.TrySubmit(path, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.TrySubmit(path, _ => { }, (WorkPriority)9));
    }
}
