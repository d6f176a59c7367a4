using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Loops;

/// <summary>How ticks the CPU check or the scheduler refuses are counted, measured and logged, catch-up runs included.</summary>
public sealed class AgentLoopSchedulerRejectionTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [Test]
    public async Task CatchUpRun_SchedulerRejectsIt_CountsMeasuresAndLogsTheRejection()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource();
        await using var scheduler = TestScheduler.Create(time, cpu, maxConcurrency: 2);
        var logger = new FakeLogger<AgentLoopScheduler>();
        await using var loops = new AgentLoopScheduler(scheduler, logger);
        using var skips = new MetricCollector<long>(null, "ResourceKit.Scheduling", "resourcekit.scheduling.loop.skips");

        // 85 % is over the scheduler's 80 % threshold, so the catch-up run is rejected.
        await DueCatchUpRunAtEightyFivePercentAsync(time, cpu, scheduler, loops, "catch-up-rejected", cpuBudget: 0);

        var stats = loops.GetStatistics("catch-up-rejected")!;
        var rejected = skips.GetMeasurementSnapshot().Where(m => (string?)m.Tags["loop"] == "catch-up-rejected" && (string?)m.Tags["reason"] == "rejected").Sum(m => m.Value);
        Assert.Multiple(() =>
        {
            Assert.That((stats.Runs, stats.RejectedSkips), Is.EqualTo((1L, 1L)));
            Assert.That(rejected, Is.EqualTo(1), "the rejected catch-up run is measured like a rejected tick");
            Assert.That(logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("catch-up-rejected", StringComparison.Ordinal)), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task CatchUpRun_CpuPlusBudgetOverLoopLimit_IsSkippedForCpu()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource();

        // The scheduler admits work up to 95 %, but this loop's 10 % budget on top of 85 % exceeds the 90 % loop limit.
        await using var scheduler = TestScheduler.Create(time, cpu, maxConcurrency: 2, configure: o => o.CpuThresholdPercent = 95);
        await using var loops = new AgentLoopScheduler(scheduler);

        await DueCatchUpRunAtEightyFivePercentAsync(time, cpu, scheduler, loops, "catch-up-cpu", cpuBudget: 10);

        var stats = loops.GetStatistics("catch-up-cpu")!;
        Assert.That((stats.Runs, stats.CpuSkips), Is.EqualTo((1L, 1L)), "the catch-up run goes through the same CPU check as a tick");
    }

    [Test]
    public async Task Tick_RejectedForManyTicks_LogsOnceThenOnceOnRecoveryButMeasuresEveryTick()
    {
        var time = new FakeTimeProvider();
        var cpu = new FakeCpuSource { Utilization = 0.85 };
        await using var scheduler = TestScheduler.Create(time, cpu);
        var logger = new FakeLogger<AgentLoopScheduler>();
        await using var loops = new AgentLoopScheduler(scheduler, logger);
        using var skips = new MetricCollector<long>(null, "ResourceKit.Scheduling", "resourcekit.scheduling.loop.skips");
        // Ticks at 0.05 s, 0.15 s, ...: never at the same instant as a CPU sample (every whole second).
        var options = new AgentLoopOptions { Interval = TimeSpan.FromMilliseconds(100), InitialDelay = TimeSpan.FromMilliseconds(50), CpuBudgetPercent = 0 };
        loops.Add("tts_processor", options, _ => ValueTask.CompletedTask);
        loops.Start();

        // One tick per step (a fake clock advanced by several intervals at once fires a timer only once), and each
        // run finished before the next tick, so no tick is missed.
        async Task Ticks(int count)
        {
            for (int i = 0; i < count; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                await scheduler.Idle();
            }
        }

        await Ticks(25);
        Assert.That(logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Warning), Is.EqualTo(1), "one warning for the whole stretch of rejections");

        // Five more rejected ticks (to 2.95 s), then the sample at 3 s ends the overload.
        cpu.Utilization = 0.1;
        await Ticks(9);

        // Overloaded again from the sample at 4 s: the ticks at 4.05 to 4.35 s are rejected.
        cpu.Utilization = 0.85;
        await Ticks(10);

        var records = logger.Collector.GetSnapshot();
        var measured = skips.GetMeasurementSnapshot().Where(m => (string?)m.Tags["loop"] == "tts_processor" && (string?)m.Tags["reason"] == "rejected").Sum(m => m.Value);
        var stats = loops.GetStatistics("tts_processor")!;
        Assert.Multiple(() =>
        {
            Assert.That(stats.RejectedSkips, Is.EqualTo(measured), "every rejected tick is measured");
            Assert.That(stats.RejectedSkips, Is.EqualTo(34));
            Assert.That(records.Count(r => r.Level == LogLevel.Information && r.Message.Contains("30 rejected ticks", StringComparison.Ordinal)), Is.EqualTo(1), "one message when it recovers, with the count");
            Assert.That(records.Count(r => r.Level == LogLevel.Warning), Is.EqualTo(2), "and one more warning when rejections start again");
        });
    }

    /// <summary>
    /// Runs a CatchUpOnce loop whose first run holds until the CPU reads 85 % (that sample is also a missed tick), then
    /// lets the run end, so its catch-up run is due at 85 %, and waits until the scheduler is idle.
    /// </summary>
    private static async Task DueCatchUpRunAtEightyFivePercentAsync(FakeTimeProvider time, FakeCpuSource cpu, PriorityScheduler scheduler, AgentLoopScheduler loops, string name, double cpuBudget)
    {
        var gate = new Gate();
        int runs = 0;
        var options = new AgentLoopOptions { Interval = Interval, MissedTickPolicy = MissedTickPolicy.CatchUpOnce, CpuBudgetPercent = cpuBudget };
        loops.Add(name, options, async ct =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.HoldAsync(ct);
            }
        });
        loops.Start();
        time.Advance(Interval);
        await gate.Started.Guarded();

        cpu.Utilization = 0.85;
        time.Sample();
        gate.Open();
        await scheduler.Idle();
    }
}
