using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;
using ResourceKit.Testing;

namespace ResourceKit.Scheduling.Tests.Scheduler;

public sealed class PrioritySchedulerTests
{
    private static readonly WorkPriority[] AllLevels = Enum.GetValues<WorkPriority>();

    [Test]
    public async Task RunAsync_SyncWork_RunsOnWorker()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        int ran = 0;

        await scheduler.RunAsync(_ => Interlocked.Increment(ref ran)).Guarded();

        Assert.That(ran, Is.EqualTo(1));
    }

    [Test]
    public async Task RunAsync_AsyncWorkWithResult_ReturnsResult()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);

        int result = await scheduler.RunAsync(async ct =>
        {
            await Task.Yield();
            return 42;
        }, WorkPriority.High).Guarded();

        Assert.That(result, Is.EqualTo(42));
    }

    [Test]
    public async Task TrySchedule_AllLevelsFlooded_EveryLevelProgressesWithinBound()
    {
        const int maxBypass = 3;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.MaxBypassCount = maxBypass);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        var order = new ConcurrentQueue<WorkPriority>();
        foreach (var priority in AllLevels.Where(p => p != WorkPriority.Critical))
        {
            for (int i = 0; i < 40; i++)
            {
                scheduler.TrySchedule(_ => order.Enqueue(priority), priority);
            }
        }

        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();

        var list = order.ToList();
        foreach (var priority in new[] { WorkPriority.Normal, WorkPriority.Low, WorkPriority.Background })
        {
            int levelsAbove = (int)priority - 1;
            var positions = list.Select((p, i) => (p, i)).Where(x => x.p == priority).Select(x => x.i).ToList();
            int firstGap = positions[0];
            int maxGap = positions.Zip(positions.Skip(1), (a, b) => b - a - 1).Max();
            Assert.That(Math.Max(firstGap, maxGap), Is.LessThanOrEqualTo(maxBypass + levelsAbove), priority.ToString());
        }
    }

    [Test]
    public async Task TrySchedule_CriticalWhileAllWorkersBusy_RunsOnReserveWorker()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 1, criticalReserve: 1);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler, WorkPriority.Background);

        var critical = scheduler.RunAsync(_ => { }, WorkPriority.Critical);
        await critical.Guarded();

        Assert.That(blocker.IsCompleted, Is.False, "the critical item did not wait for the background item");
        gate.Open();
        await blocker.Guarded();
    }

    [Test]
    public async Task RunAsync_Rejected_FaultsWithSubmissionRejectedException()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, new FakeCpuSource { Utilization = 0.99 });

        var exception = Assert.ThrowsAsync<SubmissionRejectedException>(() => scheduler.RunAsync(_ => { }, WorkPriority.High));

        Assert.That(exception!.Reason, Is.EqualTo(RejectionReason.CpuOverload));
        Assert.That(exception.Priority, Is.EqualTo(WorkPriority.High));
        Assert.That(exception.Message, Does.Contain("99"));
    }

    [Test]
    public async Task RunAsync_WorkThrows_FailsOnlyItsOwnItem()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 2);

        var failing = scheduler.RunAsync(_ => throw new InvalidOperationException("boom"));
        var fine = scheduler.RunAsync(_ => ValueTask.FromResult("ok"));

        Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.That(await fine.Guarded(), Is.EqualTo("ok"));
        await scheduler.Idle();
        var stats = scheduler.GetStatistics();
        Assert.That((stats.Faulted, stats.Succeeded), Is.EqualTo((1L, 1L)));
    }

    [Test]
    public async Task TrySchedule_PlainSyncWorkThrows_CompletesItsTaskFaultedOrCanceled()
    {
        // Synchronous work with neither timeout nor caller token takes the unlinked fast path; its outcomes must match
        // the linked path's.
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 1);
        using var source = new CancellationTokenSource();
        var token = source.Token;

        Action<CancellationToken> fault = _ => throw new InvalidOperationException("boom");
        Action<CancellationToken> cancel = _ => throw new OperationCanceledException(token);
        var faulted = scheduler.TrySchedule(fault).Completion!;
        var canceled = scheduler.TrySchedule(cancel).Completion!;
        var succeeded = scheduler.TrySchedule(_ => { }).Completion!;
        await scheduler.Idle();

        Assert.ThrowsAsync<InvalidOperationException>(() => faulted);
        Assert.That(canceled.IsCanceled, Is.True);
        Assert.That(succeeded.IsCompletedSuccessfully, Is.True);
        var stats = scheduler.GetStatistics();
        Assert.That((stats.Faulted, stats.Canceled, stats.Succeeded), Is.EqualTo((1L, 1L, 1L)));
    }

    [Test]
    public async Task GetStatistics_WhileAsyncWorkWaits_ShowsEverythingDispatchedBeforeIt()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var quick = scheduler.TrySchedule(_ => { }).Completion!;
        var waiting = scheduler.TrySchedule(async _ => await gate.Task.ConfigureAwait(false)).Completion!;
        await quick.Guarded();

        // The worker publishes its tally before it awaits the waiting item; poll for that (no sleeping), bounded.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stats = scheduler.GetStatistics();
        while ((stats.Succeeded < 1 || stats.Levels[(int)WorkPriority.Normal].Dispatched < 2) && !timeout.IsCancellationRequested)
        {
            await Task.Yield();
            stats = scheduler.GetStatistics();
        }

        Assert.That(stats.Succeeded, Is.EqualTo(1));
        Assert.That(stats.Levels[(int)WorkPriority.Normal].Dispatched, Is.EqualTo(2), "the waiting item counts as dispatched");
        Assert.That(waiting.IsCompleted, Is.False);
        gate.SetResult();
        await waiting.Guarded();
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
    public async Task RunAsync_TimeoutElapses_FaultsWithTimeoutException()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();

        var run = scheduler.RunAsync(gate.HoldAsync, WorkPriority.Normal, TimeSpan.FromSeconds(5));
        await gate.Started.Guarded();
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.ThrowsAsync<TimeoutException>(() => run.Guarded());
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().TimedOut, Is.EqualTo(1));
    }

    [Test]
    public async Task RunAsync_WorkIgnoresTokenPastTimeout_FreesWorkerAfterGracePeriod()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, configure: o => o.TimeoutGracePeriod = TimeSpan.FromSeconds(2));
        var gate = new Gate();
        var stubborn = scheduler.RunAsync(_ => gate.HoldAsync(CancellationToken.None), WorkPriority.Normal, TimeSpan.FromSeconds(5));
        await gate.Started.Guarded();
        bool nextRan = false;
        var next = scheduler.RunAsync(_ => nextRan = true, WorkPriority.Normal);

        time.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.That((stubborn.IsCompleted, nextRan), Is.EqualTo((false, false)), "the only worker still waits within the grace period");
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.ThrowsAsync<TimeoutException>(() => stubborn.Guarded());
        await next.Guarded();
        Assert.That(nextRan, Is.True, "the freed worker took the next item");
        await scheduler.Idle();
        Assert.That(scheduler.GetStatistics().TimedOut, Is.EqualTo(1));
        gate.Open();
    }

    [Test]
    public async Task TrySchedule_CanceledWhileQueued_CompletesCanceledWithoutRunning()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var gate = new Gate();
        var blocker = await gate.OccupyAsync(scheduler);
        using var cts = new CancellationTokenSource();
        bool ran = false;

        var queued = scheduler.TrySchedule(_ => ran = true, WorkPriority.Low, cancellationToken: cts.Token);
        await cts.CancelAsync();

        Assert.That(queued.Completion!.IsCanceled, Is.True);
        gate.Open();
        await blocker.Guarded();
        await scheduler.Idle();
        Assert.That(ran, Is.False);
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryError()
    {
        var options = new PrioritySchedulerOptions
        {
            MaxConcurrency = 0,
            CriticalReserve = -1,
            MaxBypassCount = 0,
            CpuThresholdPercent = 120,
            LoopCpuLimitPercent = 0,
            CpuSampleInterval = TimeSpan.Zero,
            TimeoutGracePeriod = TimeSpan.FromSeconds(-2),
        };
        options.QueueLengthLimits.High = -5;

        var exception = Assert.Throws<ArgumentException>(() => _ = new PriorityScheduler(options, new FakeTimeProvider(), new FakeCpuSource()));

        Assert.That(exception!.Message, Does.Contain("MaxConcurrency must be at least 1 (was 0)")
            .And.Contain("CriticalReserve").And.Contain("MaxBypassCount").And.Contain("CpuThresholdPercent")
            .And.Contain("LoopCpuLimitPercent").And.Contain("CpuSampleInterval").And.Contain("TimeoutGracePeriod").And.Contain("QueueLengthLimits:High"));
    }

    [Test]
    public async Task TrySchedule_ZeroTimeout_ThrowsArgumentOutOfRange()
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());

        Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.TrySchedule(_ => { }, WorkPriority.Low, TimeSpan.Zero));
    }

    [Test]
    public async Task Metrics_RejectionAndQueueWait_AreRecorded()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource();
        await using var scheduler = TestScheduler.Create(time, cpu);
        using var rejections = new MetricCollector<long>(null, "ResourceKit.Scheduling", "resourcekit.scheduling.rejections");
        using var waits = new MetricCollector<double>(null, "ResourceKit.Scheduling", "resourcekit.scheduling.queue.wait");
        using var lengths = new MetricCollector<int>(null, "ResourceKit.Scheduling", "resourcekit.scheduling.queue.length");

        await scheduler.RunAsync(_ => { }, WorkPriority.High).Guarded();
        cpu.Utilization = 0.9;
        time.Sample();
        scheduler.TrySchedule(_ => { }, WorkPriority.Low);
        lengths.RecordObservableInstruments();

        Assert.That(rejections.LastMeasurement!.Tags["reason"], Is.EqualTo("cpu_overload"));
        Assert.That(rejections.LastMeasurement.Tags["priority"], Is.EqualTo("low"));
        Assert.That(waits.GetMeasurementSnapshot().Any(m => (string?)m.Tags["priority"] == "high"), Is.True);
        Assert.That(lengths.GetMeasurementSnapshot(), Has.Count.EqualTo(5));
    }

    [Test]
    public async Task CpuTimer_OverloadEndedLogThrows_TimerDoesNotThrowAndDeferredWorkRuns()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.95 };
        var logger = new ThrowingLogger<PriorityScheduler>(3) { Armed = false }; // 3: OverloadChanged
        var options = new PrioritySchedulerOptions { OverloadPolicy = OverloadPolicy.Defer };
        options.QueueLengthLimits.High = 3;
        options.QueueLengthLimits.Normal = 3;
        options.QueueLengthLimits.Low = 3;
        options.QueueLengthLimits.Background = 3;
        await using var scheduler = new PriorityScheduler(options, time, cpu, logger);
        int ran = 0;
        var deferred = scheduler.TrySubmit(SubmissionPath.TrySchedule, _ => Interlocked.Increment(ref ran), WorkPriority.Low);
        logger.Armed = true;

        cpu.Utilization = 0.2;
        Assert.That(time.Sample, Throws.Nothing, "a timer callback must never throw");
        await scheduler.Settled(deferred);

        Assert.Multiple(() =>
        {
            Assert.That(deferred.Status, Is.EqualTo(ScheduleStatus.Deferred));
            Assert.That(logger.Thrown, Is.EqualTo(1));
            Assert.That(ran, Is.EqualTo(1), "the end of the overload started workers for the deferred work");
        });
    }
}
