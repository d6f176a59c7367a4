using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Monitoring;

public sealed class HealthMonitorConcurrencyTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task SampleAsync_SecondSampleStartsWhileFirstIsCollecting_ReadingsAreRecordedInTheOrderTaken()
    {
        // The first sample reads 97 % CPU, then waits on a slow source; the second reads 20 % meanwhile. The older 97 %
        // must not be recorded over the newer 20 %.
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        var slow = new GatedSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu, slow], timeProvider: _time);

        var first = monitor.SampleAsync().AsTask();
        await slow.Entered.WaitAsync(Guard);
        var second = monitor.SampleAsync().AsTask();
        slow.Release();
        await Task.WhenAll(first, second).WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 97, 20 }));
            Assert.That(monitor.Latest!.Readings.Single(r => r.Metric == MetricNames.CpuPercent).Value, Is.EqualTo(20), "the latest snapshot is the newer sample's");
            Assert.That(monitor.GetAlerts().Select(a => a.Level), Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "the host is reported recovered, not in an emergency");
        });
    }

    [Test]
    public async Task SampleAsync_CancelledWhileWaitingForAnotherSample_ThrowsAndLeavesTheOtherToFinish()
    {
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 50, 60, 70);
        var slow = new GatedSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu, slow], timeProvider: _time);
        using var cancellation = new CancellationTokenSource();

        var first = monitor.SampleAsync().AsTask();
        await slow.Entered.WaitAsync(Guard);
        var waiting = monitor.SampleAsync(cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        Assert.That(async () => await waiting.WaitAsync(Guard), Throws.InstanceOf<OperationCanceledException>());
        slow.Release();
        await first.WaitAsync(Guard);
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);
        Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 50, 60 }));
    }

    [Test]
    public async Task SampleAsync_ConcurrentSamplers_LoseNothing()
    {
        var source = new HealthMonitorTests.SettableSource();
        source.Set("system", "requests", 1);
        var monitor = new HealthMonitor(new HealthMonitorOptions { HistoryLength = 10_000 }, [source], timeProvider: _time);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await monitor.SampleAsync();
            }
        })));

        Assert.That(monitor.GetHistory("system", "requests"), Has.Count.EqualTo(1600));
    }

    /// <summary>Reports the given values of one metric, one per collection, then the last again.</summary>
    private sealed class SequenceSource(string component, string metric, params double[] values) : IHealthMetricSource
    {
        private int _next;

        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            var index = Math.Min(Interlocked.Increment(ref _next) - 1, values.Length - 1);
            readings.Add(new MetricReading(component, metric, values[index]));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A source whose first collection waits until <see cref="Release"/>; later ones complete at once.</summary>
    private sealed class GatedSource : IHealthMetricSource
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public Task Entered => _entered.Task;

        public void Release() => _release.TrySetResult();

        public async ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                _entered.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }
        }
    }
}
