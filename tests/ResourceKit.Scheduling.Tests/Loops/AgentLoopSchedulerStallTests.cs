using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Loops;

/// <summary>
/// A loop run that hangs and ignores its token: the default timeout signals it, the scheduler frees its worker after
/// the timeout grace period, and the loop stays in flight (reported as stalled) until the run really ends.
/// </summary>
public sealed class AgentLoopSchedulerStallTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [Test]
    public async Task Tick_TwoRunsHangIgnoringTheirTokens_OtherLoopsRunOnceTimeoutAndGracePass()
    {
        // Two workers, as on a 2-core host, and two loops whose mailbox / LLM call never returns.
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 2);
        await using var loops = new AgentLoopScheduler(scheduler);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int hungStarted = 0;
        var bothHung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int healthyRuns = 0;
        int watching = 0;
        var healthyRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask Hang(CancellationToken ignored)
        {
            if (Interlocked.Increment(ref hungStarted) == 2)
            {
                bothHung.TrySetResult();
            }

            return new ValueTask(never.Task);
        }

        loops.Add("gmail_sync", new AgentLoopOptions { Interval = Interval }, Hang);
        loops.Add("llm_summary", new AgentLoopOptions { Interval = Interval }, Hang);
        // Half a tick out of phase, so its ticks never coincide with the moment the scheduler stops waiting.
        loops.Add("browser_monitor", new AgentLoopOptions { Interval = Interval, InitialDelay = TimeSpan.FromSeconds(1.5) }, _ =>
        {
            Interlocked.Increment(ref healthyRuns);
            if (Volatile.Read(ref watching) == 1)
            {
                healthyRan.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        loops.Start();
        time.Advance(Interval);
        await bothHung.Task.Guarded();
        var hungSince = time.GetUtcNow();

        // The timeout (the default: max(interval, 30 s)) plus the scheduler's timeout grace period (5 s), half a tick
        // at a time, up to just before the scheduler stops waiting.
        var abandonAfter = AgentLoopOptions.DefaultTimeoutFloor + PrioritySchedulerOptions.DefaultTimeoutGracePeriod;
        var step = Interval / 2;
        while (time.GetUtcNow() + step < hungSince + abandonAfter)
        {
            time.Advance(step);
        }

        time.Advance(hungSince + abandonAfter - time.GetUtcNow() - TimeSpan.FromMilliseconds(100));
        Assert.That(healthyRuns, Is.Zero, "both workers are still held just before the grace period ends");
        Volatile.Write(ref watching, 1);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await healthyRan.Task.Guarded();
        await scheduler.Idle();
        for (int i = 0; i < 3; i++)
        {
            time.Advance(Interval);
            await scheduler.Idle();
        }

        var hung = loops.GetStatistics("gmail_sync")!;
        Assert.Multiple(() =>
        {
            Assert.That(healthyRuns, Is.EqualTo(4), "the queued run, then one per tick");
            Assert.That(hungStarted, Is.EqualTo(2), "a stalled loop never overlaps itself");
            Assert.That(hung.IsStalled, Is.True);
            Assert.That(hung.RunningFor, Is.EqualTo(time.GetUtcNow() - hungSince));
            Assert.That(hung.MissedTicks, Is.GreaterThan(30));
            Assert.That(scheduler.GetStatistics().TimedOut, Is.EqualTo(2));
        });

        // The calls finally return. Stopping waits for runs that are really still going, even those the scheduler
        // stopped waiting for (the grace delay is on the fake clock, which stands still), and they count as failed:
        // they outlived their timeout.
        never.SetResult();
        await loops.StopAsync(TimeSpan.FromSeconds(5)).Guarded();
        var ended = loops.GetStatistics("gmail_sync")!;
        Assert.That((ended.Runs, ended.Failures, ended.RunningFor, ended.IsStalled), Is.EqualTo((1L, 1L, (TimeSpan?)null, false)));
    }

    [Test]
    public async Task StopAsync_RunOutlivedTimeoutAndGrace_WaitsForItsRealEndWithinGracePeriod()
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        loops.Add("stubborn", new AgentLoopOptions { Interval = Interval, Timeout = TimeSpan.FromSeconds(2) }, _ => gate.HoldAsync(CancellationToken.None));
        loops.Start();
        time.Advance(Interval);
        await gate.Started.Guarded();
        time.Advance(TimeSpan.FromSeconds(2) + PrioritySchedulerOptions.DefaultTimeoutGracePeriod);
        await scheduler.Idle();
        Assert.That(loops.GetStatistics("stubborn")!.IsStalled, Is.True, "the worker is free, the run is not");

        var stop = loops.StopAsync(TimeSpan.FromSeconds(10));
        Assert.That(stop.IsCompleted, Is.False, "stopping waits for the stalled run");
        gate.Open();
        await stop.Guarded();
        Assert.That(loops.GetStatistics("stubborn")!.RunningFor, Is.Null);
    }

    [TestCase(1, 300)]
    [TestCase(600, 600)]
    public async Task Tick_NoTimeoutSet_TokenSignalledAfterIntervalOrFiveMinutesWhicheverIsLonger(int intervalSeconds, int expectedSeconds)
    {
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time);
        await using var loops = new AgentLoopScheduler(scheduler);
        var gate = new Gate();
        int runs = 0;
        loops.Add("default-timeout", new AgentLoopOptions { Interval = TimeSpan.FromSeconds(intervalSeconds) }, ct => Interlocked.Increment(ref runs) == 1 ? gate.HoldAsync(ct) : ValueTask.CompletedTask);
        loops.Start();
        time.Advance(TimeSpan.FromSeconds(intervalSeconds));
        await gate.Started.Guarded();

        time.Advance(TimeSpan.FromSeconds(expectedSeconds) - TimeSpan.FromMilliseconds(1));
        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.False);
        Assert.That(loops.GetStatistics("default-timeout")!.IsStalled, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await scheduler.Idle();

        Assert.That(gate.ObservedToken.IsCancellationRequested, Is.True);
        Assert.That(loops.GetStatistics("default-timeout")!.Failures, Is.EqualTo(1));
    }
}
