using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Tests.Adapters;

public sealed class LoopMetricSourceTests
{
    [Test]
    public async Task CollectAsync_RunOutlivesItsTimeout_ReportsAStalledLoopAndWarns()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        await using var scheduler = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = 1, CriticalReserve = 0 }, time, new ZeroCpu());
        await using var loops = new AgentLoopScheduler(scheduler);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loops.Add("gmail_sync", new AgentLoopOptions { Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(30) }, _ =>
        {
            started.TrySetResult();
            return new ValueTask(never.Task);
        });
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [new LoopMetricSource(loops)], timeProvider: time);
        loops.Start();
        time.Advance(TimeSpan.FromSeconds(30));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var healthy = await monitor.SampleAsync();
        time.Advance(TimeSpan.FromSeconds(30));
        var stalled = await monitor.SampleAsync();

        Assert.Multiple(() =>
        {
            Assert.That(healthy.Readings, Has.Some.EqualTo(new MetricReading(ComponentNames.Loops, MetricNames.StalledLoops, 0)));
            Assert.That(stalled.Readings, Has.Some.EqualTo(new MetricReading(ComponentNames.Loops, MetricNames.StalledLoops, 1)));
            Assert.That(monitor.GetAlerts().Single().Metric, Is.EqualTo(MetricNames.StalledLoops));
        });
        never.SetResult();
    }

    private sealed class ZeroCpu : ICpuUtilizationSource
    {
        public double SampleUtilization() => 0;
    }
}
