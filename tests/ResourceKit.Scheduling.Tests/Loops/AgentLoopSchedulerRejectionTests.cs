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
        var gate = new Gate();
        int runs = 0;
        var options = new AgentLoopOptions { Interval = Interval, MissedTickPolicy = MissedTickPolicy.CatchUpOnce, CpuBudgetPercent = 0 };
        loops.Add("catch-up-rejected", options, async ct =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.HoldAsync(ct);
            }
        });
        loops.Start();
        time.Advance(Interval);
        await gate.Started.Guarded();

        // The CPU crosses the 80 % threshold (the sample is also a missed tick, so a catch-up run is due).
        cpu.Utilization = 0.85;
        time.Sample();
        gate.Open();
        await scheduler.Idle();

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
        var gate = new Gate();
        int runs = 0;
        var options = new AgentLoopOptions { Interval = Interval, MissedTickPolicy = MissedTickPolicy.CatchUpOnce, CpuBudgetPercent = 10 };
        loops.Add("catch-up-cpu", options, async ct =>
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

        var stats = loops.GetStatistics("catch-up-cpu")!;
        Assert.That((stats.Runs, stats.CpuSkips, runs), Is.EqualTo((1L, 1L, 1)), "the catch-up run goes through the same CPU check as a tick");
    }
}
