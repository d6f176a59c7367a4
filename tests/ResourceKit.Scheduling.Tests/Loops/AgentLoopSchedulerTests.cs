using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;
using ResourceKit.Testing;

namespace ResourceKit.Scheduling.Tests.Loops;

public sealed class AgentLoopSchedulerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static AgentLoopOptions Every(TimeSpan interval, WorkPriority priority = WorkPriority.Normal, MissedTickPolicy policy = MissedTickPolicy.Skip, double cpuBudget = 5) =>
        new() { Interval = interval, Priority = priority, MissedTickPolicy = policy, CpuBudgetPercent = cpuBudget, Description = "test loop" };

    [Test]
    public async Task Tick_EveryInterval_RunsOncePerIntervalWithAdherenceOne()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        int runs = 0;
        loops.Add("heartbeat", Every(Interval, WorkPriority.Critical), _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        loops.Start();

        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        await scheduler.Idle();
        Assert.That(runs, Is.Zero, "the first tick comes one interval after start");

        time.Advance(TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < 9; i++)
        {
            await scheduler.Idle();
            time.Advance(Interval);
        }

        await scheduler.Idle();
        var stats = loops.GetStatistics("heartbeat")!;
        Assert.Multiple(() =>
        {
            Assert.That(stats.Runs, Is.EqualTo(10));
            Assert.That(stats.Skips, Is.Zero);
            Assert.That(stats.IntervalAdherence, Is.EqualTo(1.0).Within(1e-9));
            Assert.That(stats.LastRunStarted, Is.EqualTo(time.GetUtcNow()));
            Assert.That(stats.Description, Is.EqualTo("test loop"));
        });
    }

    [Test]
    public async Task Tick_WithInitialDelay_FirstRunAfterDelayThenEveryInterval()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        int runs = 0;
        var options = Every(TimeSpan.FromMinutes(30), WorkPriority.Background);
        options.InitialDelay = TimeSpan.FromSeconds(2);
        loops.Add("self_optimization", options, _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        loops.Start();

        time.Advance(TimeSpan.FromSeconds(2));
        await scheduler.Idle();
        Assert.That(runs, Is.EqualTo(1), "the first run comes after the initial delay");

        time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        await scheduler.Idle();
        Assert.That(runs, Is.EqualTo(1));
        time.Advance(TimeSpan.FromSeconds(1));
        await scheduler.Idle();
        Assert.That(runs, Is.EqualTo(2), "then one interval after the first run");
        Assert.That(loops.GetStatistics("self_optimization")!.IntervalAdherence, Is.EqualTo(1.0).Within(1e-9));
    }

    [Test]
    public async Task Tick_WhileRunInFlightWithSkipPolicy_CountsMissedTickAndNeverOverlaps()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 4);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        int concurrent = 0;
        int maxConcurrent = 0;
        int runs = 0;
        loops.Add("slow", Every(Interval), async ct =>
        {
            int now = Interlocked.Increment(ref concurrent);
            maxConcurrent = Math.Max(maxConcurrent, now);
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.HoldAsync(ct);
            }

            Interlocked.Decrement(ref concurrent);
        });
        loops.Start();

        time.Advance(Interval);
        await gate.Started.Guarded();
        time.Advance(Interval);
        time.Advance(Interval);
        gate.Open();
        await scheduler.Idle();

        var stats = loops.GetStatistics("slow")!;
        Assert.That((stats.Runs, stats.MissedTicks, maxConcurrent), Is.EqualTo((1L, 2L, 1)));

        time.Advance(Interval);
        await scheduler.Idle();
        Assert.That(loops.GetStatistics("slow")!.Runs, Is.EqualTo(2), "the loop resumes on its grid");
    }

    [Test]
    public async Task Tick_WhileRunInFlightWithCatchUpOnce_RunsOnceRightAfter()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 4);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        int runs = 0;
        loops.Add("catch-up", Every(Interval, policy: MissedTickPolicy.CatchUpOnce), async ct =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.HoldAsync(ct);
            }
        });
        loops.Start();

        time.Advance(Interval);
        await gate.Started.Guarded();
        time.Advance(Interval);
        time.Advance(Interval);
        time.Advance(Interval);
        gate.Open();
        await scheduler.Idle();

        var stats = loops.GetStatistics("catch-up")!;
        Assert.That((stats.Runs, stats.MissedTicks), Is.EqualTo((2L, 3L)), "three missed ticks collapse into one catch-up run");
    }

    [Test]
    public async Task Tick_TimerFiresSeveralIntervalsLate_RunsOnceAndCountsPassedOverTicks()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        loops.Add("stalled", Every(Interval), _ => ValueTask.CompletedTask);
        loops.Start();

        time.Advance(TimeSpan.FromSeconds(3.5));
        await scheduler.Idle();
        var stats = loops.GetStatistics("stalled")!;
        Assert.That((stats.Runs, stats.MissedTicks), Is.EqualTo((1L, 2L)));

        time.Advance(TimeSpan.FromSeconds(0.5));
        await scheduler.Idle();
        Assert.That(loops.GetStatistics("stalled")!.Runs, Is.EqualTo(2), "the next tick stays on the original grid (t = 4 s)");
    }

    [Test]
    public async Task Tick_HandlerThrows_CountsFailureAndKeepsSchedule()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        int runs = 0;
        int otherRuns = 0;
        loops.Add("flaky", Every(Interval), _ => Interlocked.Increment(ref runs) % 2 == 1 ? throw new InvalidOperationException("boom") : ValueTask.CompletedTask);
        loops.Add("async-flaky", Every(Interval), async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        });
        loops.Add("healthy", Every(Interval), _ => { Interlocked.Increment(ref otherRuns); return ValueTask.CompletedTask; });
        loops.Start();

        for (int i = 0; i < 4; i++)
        {
            time.Advance(Interval);
            await scheduler.Idle();
        }

        Assert.Multiple(() =>
        {
            Assert.That(loops.GetStatistics("flaky")!.Runs, Is.EqualTo(4));
            Assert.That(loops.GetStatistics("flaky")!.Failures, Is.EqualTo(2));
            Assert.That(loops.GetStatistics("async-flaky")!.Failures, Is.EqualTo(4));
            Assert.That(otherRuns, Is.EqualTo(4));
            Assert.That(scheduler.GetStatistics().Faulted, Is.Zero, "loop failures never fault the scheduler's items");
        });
    }

    [Test]
    public async Task Loops_FailTimeOutAndStop_LeaveNoUnobservedTaskExceptions()
    {
        int unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await RunFailingLoopsAsync();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.That(unobserved, Is.Zero);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }
    }

    private static async Task RunFailingLoopsAsync()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 2);
        var loops = new AgentLoopScheduler(scheduler);
        var timed = Every(Interval);
        timed.Timeout = TimeSpan.FromMilliseconds(100);
        loops.Add("throws", Every(Interval), _ => throw new InvalidOperationException("sync"));
        loops.Add("throws-async", Every(Interval), async _ => { await Task.Yield(); throw new InvalidOperationException("async"); });
        var started = System.Threading.Channels.Channel.CreateUnbounded<bool>();
        loops.Add("times-out", timed, async ct =>
        {
            started.Writer.TryWrite(true);
            await Task.Delay(Timeout.Infinite, ct);
        });
        loops.Start();
        for (int i = 0; i < 3; i++)
        {
            time.Advance(Interval);
            await started.Reader.ReadAsync().AsTask().Guarded();
            time.Advance(TimeSpan.FromMilliseconds(100));
            await scheduler.Idle();
        }

        time.Advance(Interval);
        await loops.StopAsync(TimeSpan.Zero).Guarded();
        await scheduler.Idle();
        await loops.DisposeAsync();
    }

    [Test]
    public async Task Tick_TimeoutElapses_SignalsTokenAndCountsFailure()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        var options = Every(Interval);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        loops.Add("hung", options, gate.HoldAsync);
        loops.Start();

        time.Advance(Interval);
        await gate.Started.Guarded();
        time.Advance(TimeSpan.FromMilliseconds(300));
        await scheduler.Idle();

        Assert.That(loops.GetStatistics("hung")!.Failures, Is.EqualTo(1));
        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.True);
    }

    [Test]
    public async Task Tick_CpuPlusBudgetOverLimit_SkipsNonCriticalButRunsCritical()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.80 };
        await using var scheduler = TestScheduler.Create(time, cpu, configure: o => o.CpuSampleInterval = TimeSpan.FromHours(1));
        await using var loops = new AgentLoopScheduler(scheduler);
        loops.Add("cheap", Every(Interval, cpuBudget: 5), _ => ValueTask.CompletedTask);
        loops.Add("hungry", Every(Interval, cpuBudget: 15), _ => ValueTask.CompletedTask);
        loops.Add("heartbeat", Every(Interval, WorkPriority.Critical, cpuBudget: 50), _ => ValueTask.CompletedTask);
        loops.Start();

        time.Advance(Interval);
        await scheduler.Idle();

        Assert.Multiple(() =>
        {
            Assert.That(loops.GetStatistics("cheap")!.Runs, Is.EqualTo(1), "80% + 5% stays under the 90% limit");
            Assert.That(loops.GetStatistics("hungry")!.CpuSkips, Is.EqualTo(1), "80% + 15% would exceed 90%");
            Assert.That(loops.GetStatistics("hungry")!.Runs, Is.Zero);
            Assert.That(loops.GetStatistics("heartbeat")!.Runs, Is.EqualTo(1), "critical loops are never skipped for CPU");
        });
    }

    [Test]
    public async Task Tick_SchedulerRejects_CountsRejectedSkip()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.85 };
        await using var scheduler = TestScheduler.Create(time, cpu);
        await using var loops = new AgentLoopScheduler(scheduler);
        loops.Add("shed", Every(Interval, cpuBudget: 0), _ => ValueTask.CompletedTask);
        loops.Start();

        time.Advance(Interval);
        await scheduler.Idle();

        Assert.That(loops.GetStatistics("shed")!.RejectedSkips, Is.EqualTo(1));
    }

    [Test]
    public async Task Statistics_DurationsAndCpuTime_AreMeasured()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        int run = 0;
        loops.Add("measured", Every(TimeSpan.FromMinutes(1)), _ =>
        {
            // Durations 10..200 ms on the fake clock; the thread burns at least 1 ms of real CPU.
            time.Advance(TimeSpan.FromMilliseconds(10 * Interlocked.Increment(ref run)));
            var start = ThreadCpuTime.Now();
            while (ThreadCpuTime.Now() - start < TimeSpan.FromMilliseconds(1))
            {
            }

            return ValueTask.CompletedTask;
        });
        loops.Start();

        for (int i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await scheduler.Idle();
        }

        var stats = loops.GetStatistics("measured")!;
        Assert.Multiple(() =>
        {
            Assert.That(stats.Runs, Is.EqualTo(20));
            Assert.That(stats.MeanDuration, Is.EqualTo(TimeSpan.FromMilliseconds(105)));
            Assert.That(stats.P95Duration, Is.EqualTo(TimeSpan.FromMilliseconds(190)));
            Assert.That(stats.CpuTime, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(20)));
        });
    }

    [Test]
    public async Task StopAsync_RunInFlight_SignalsTokenAndWaitsWithinGrace()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        var loops = new AgentLoopScheduler(scheduler);
        bool sawCancellation = false;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loops.Add("worker", Every(Interval), async ct =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                sawCancellation = true;
                throw;
            }
        });
        loops.Start();
        time.Advance(Interval);
        await started.Task.Guarded();

        await loops.StopAsync(TimeSpan.FromSeconds(5)).Guarded();

        Assert.That(sawCancellation, Is.True);
        Assert.That(loops.GetStatistics("worker")!.Failures, Is.Zero, "cancellation by shutdown is not a failure");
        time.Advance(Interval * 5);
        await scheduler.Idle();
        Assert.That(loops.GetStatistics("worker")!.Runs, Is.EqualTo(1), "no ticks after stop");
        await loops.DisposeAsync();
    }

    [Test]
    public async Task StopAsync_LoopIgnoresToken_ReturnsAfterGracePeriod()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        loops.Add("stubborn", Every(Interval), _ => gate.HoldAsync(CancellationToken.None));
        loops.Start();
        time.Advance(Interval);
        await gate.Started.Guarded();

        var stop = loops.StopAsync(TimeSpan.FromSeconds(5));
        Assert.That(stop.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(5));
        await stop.Guarded();

        gate.Open();
        await scheduler.Idle();
    }

    [Test]
    public async Task Add_DuplicateName_ThrowsNamingTheLoop()
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());
        await using var loops = new AgentLoopScheduler(scheduler);
        loops.Add("heartbeat", Every(Interval), _ => ValueTask.CompletedTask);

        var exception = Assert.Throws<ArgumentException>(() => loops.Add("HEARTBEAT", Every(Interval), _ => ValueTask.CompletedTask));

        Assert.That(exception!.Message, Does.Contain("'HEARTBEAT' is already registered"));
    }

    [TestCase(0, 5, "Interval must be greater than zero")]
    [TestCase(-1000, 5, "Interval must be greater than zero")]
    [TestCase(1000, -1, "CpuBudgetPercent must be between 0 and 100")]
    [TestCase(1000, 100.5, "CpuBudgetPercent must be between 0 and 100")]
    [TestCase(1000, double.NaN, "CpuBudgetPercent must be between 0 and 100")]
    public async Task Add_InvalidOptions_ThrowsWithClearMessage(int intervalMs, double budget, string expected)
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());
        await using var loops = new AgentLoopScheduler(scheduler);
        var options = new AgentLoopOptions { Interval = TimeSpan.FromMilliseconds(intervalMs), CpuBudgetPercent = budget };

        var exception = Assert.Throws<ArgumentException>(() => loops.Add("bad", options, _ => ValueTask.CompletedTask));

        Assert.That(exception!.Message, Does.Contain("Loop 'bad'").And.Contain(expected));
    }

    [Test]
    public async Task Add_InvalidOptions_ListsEveryError()
    {
        await using var scheduler = TestScheduler.Create(new FakeTimeProvider());
        await using var loops = new AgentLoopScheduler(scheduler);
        var options = new AgentLoopOptions { Interval = TimeSpan.Zero, CpuBudgetPercent = 150, Jitter = TimeSpan.FromSeconds(-1), Timeout = TimeSpan.Zero };

        var exception = Assert.Throws<ArgumentException>(() => loops.Add("bad", options, _ => ValueTask.CompletedTask));

        Assert.That(exception!.Message, Does.Contain("Interval").And.Contain("CpuBudgetPercent").And.Contain("Jitter").And.Contain("Timeout"));
    }

    [Test]
    public async Task Tick_WithJitter_StaysWithinJitterOfTheGrid()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var options = Every(Interval);
        options.Jitter = TimeSpan.FromMilliseconds(200);
        loops.Add("jittery", options, _ => ValueTask.CompletedTask);
        loops.Start();

        for (int i = 0; i < 12; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await scheduler.Idle();
        }

        var stats = loops.GetStatistics("jittery")!;
        Assert.That(stats.Runs, Is.EqualTo(1), "one tick between 1.0 s and 1.2 s");
        Assert.That(stats.MissedTicks, Is.Zero);
    }

    [Test]
    public async Task Start_JitterLongerThanInt32Ticks_SpreadsFirstTicksOverTheWholeJitter()
    {
        // Each first tick comes uniformly within 50 min after the hour; before the fix all came within 214.7 s. That
        // all 40 fall in the first 215 s by chance (a spurious failure) has probability (215 / 3000)^40, about 2e-46.
        const int count = 40;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 4);
        await using var loops = new AgentLoopScheduler(scheduler);
        for (int i = 0; i < count; i++)
        {
            var options = Every(TimeSpan.FromHours(1));
            options.Jitter = TimeSpan.FromMinutes(50);
            loops.Add("loop-" + i, options, _ => ValueTask.CompletedTask);
        }

        loops.Start();
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(215));
        await scheduler.Idle();
        var ranEarly = Enumerable.Range(0, count).Count(i => loops.GetStatistics("loop-" + i)!.Runs > 0);
        time.Advance(TimeSpan.FromMinutes(50) - TimeSpan.FromSeconds(215));
        await scheduler.Idle();
        var ranByEndOfJitter = Enumerable.Range(0, count).Count(i => loops.GetStatistics("loop-" + i)!.Runs > 0);

        Assert.Multiple(() =>
        {
            Assert.That(ranEarly, Is.LessThan(count), "jitter beyond 214.7 s is honoured");
            Assert.That(ranByEndOfJitter, Is.EqualTo(count), "and never exceeds the jitter");
        });
    }

    [Test]
    public async Task Tick_CpuSkipLogThrows_TimerDoesNotThrowAndLoopKeepsItsSchedule()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.80 };
        await using var scheduler = TestScheduler.Create(time, cpu, configure: o => o.CpuSampleInterval = TimeSpan.FromSeconds(1));
        var logger = new ThrowingLogger<AgentLoopScheduler>(11); // 11: skipped for CPU
        await using var loops = new AgentLoopScheduler(scheduler, logger);
        loops.Add("hungry", Every(Interval, cpuBudget: 15), _ => ValueTask.CompletedTask);
        loops.Start();

        Assert.That(() => time.Advance(Interval), Throws.Nothing, "a timer callback must never throw");
        cpu.Utilization = 0.10;
        time.Advance(Interval);
        await scheduler.Idle();

        Assert.Multiple(() =>
        {
            Assert.That(logger.Thrown, Is.EqualTo(1));
            Assert.That(loops.GetStatistics("hungry")!.CpuSkips, Is.EqualTo(1));
            Assert.That(loops.GetStatistics("hungry")!.Runs, Is.EqualTo(1), "the next tick ran");
        });
    }
}
