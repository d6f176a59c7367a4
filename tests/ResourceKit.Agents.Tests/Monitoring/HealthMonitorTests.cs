using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Monitoring;

public sealed class HealthMonitorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task SampleAsync_MetricCrossesWarning_RaisesOneAlertNotOnePerSample()
    {
        var source = new SettableSource();
        var received = new List<Alert>();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], [new CallbackAlertSink(received.Add)], _time);

        source.Set("system", MetricNames.CpuPercent, 72);
        await monitor.SampleAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await monitor.SampleAsync();

        Assert.That(received, Has.Count.EqualTo(1));
        Assert.That(received[0].Level, Is.EqualTo(AlertLevel.Warning));
        Assert.That(received[0].Threshold, Is.EqualTo(70));
        Assert.That(received[0].Timestamp, Is.EqualTo(_time.GetUtcNow().AddSeconds(-10)));
    }

    [Test]
    public async Task SampleAsync_EscalationAndRecovery_RaisesEachLevelThenInfo()
    {
        var source = new SettableSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);

        foreach (var value in new double[] { 72, 88, 97, 40 })
        {
            source.Set("system", MetricNames.MemoryPercent, value);
            await monitor.SampleAsync();
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.That(monitor.GetAlerts().Select(a => a.Level),
            Is.EqualTo(new[] { AlertLevel.Warning, AlertLevel.Critical, AlertLevel.Emergency, AlertLevel.Info }));
        Assert.That(monitor.GetAlerts(AlertLevel.Critical), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task SampleAsync_SustainedProblem_RepeatsAfterRepeatInterval()
    {
        var source = new SettableSource();
        var options = new HealthMonitorOptions { RepeatAlertInterval = TimeSpan.FromMinutes(1) };
        var monitor = new HealthMonitor(options, [source], timeProvider: _time);
        source.Set("system", MetricNames.CpuPercent, 90);

        for (var i = 0; i < 13; i++)
        {
            await monitor.SampleAsync();
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        // t = 0, 60 and 120 s.
        Assert.That(monitor.GetAlerts(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task SampleAsync_KeepsBoundedHistoryAndAlertHistory()
    {
        var source = new SettableSource();
        var options = new HealthMonitorOptions { HistoryLength = 5, AlertHistoryLength = 3 };
        var monitor = new HealthMonitor(options, [source], timeProvider: _time);

        for (var i = 0; i < 20; i++)
        {
            source.Set("system", MetricNames.CpuPercent, i % 2 == 0 ? 10 : 99);
            await monitor.SampleAsync();
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var history = monitor.GetHistory("system", MetricNames.CpuPercent);
        Assert.That(history.Select(p => p.Value), Is.EqualTo(new double[] { 99, 10, 99, 10, 99 }));
        Assert.That(monitor.GetAlerts(), Has.Count.EqualTo(3));
        Assert.That(monitor.GetHistory("nope", "nope"), Is.Empty);
    }

    [Test]
    public async Task SampleAsync_ScoresComponentsByTheirWorstMetric()
    {
        var source = new SettableSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);
        source.Set("system", MetricNames.CpuPercent, 20);
        source.Set("system", MetricNames.MemoryPercent, 90);
        source.Set("cache", MetricNames.CacheHitRatio, 0.95);
        source.Set("cache", "entries", 12_000);

        var snapshot = await monitor.SampleAsync();

        var system = snapshot.Components.Single(c => c.Component == "system");
        var cache = snapshot.Components.Single(c => c.Component == "cache");
        Assert.Multiple(() =>
        {
            Assert.That(system.WorstMetric, Is.EqualTo(MetricNames.MemoryPercent));
            Assert.That(system.Score, Is.InRange(30, 49));
            Assert.That(system.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(cache.Score, Is.EqualTo(100));
            Assert.That(cache.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(snapshot.Status, Is.EqualTo(HealthStatus.Degraded), "one degraded component keeps the host from healthy");
            Assert.That(snapshot.Score, Is.EqualTo((system.Score + cache.Score) / 2).Within(0.1));
        });
    }

    [Test]
    public async Task SampleAsync_FailingSourceAndSink_AreIsolated()
    {
        var good = new SettableSource();
        good.Set("system", MetricNames.CpuPercent, 99);
        var delivered = new List<Alert>();
        IAlertSink[] sinks = [new CallbackAlertSink(_ => throw new InvalidOperationException("sink down")), new CallbackAlertSink(delivered.Add)];
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [new ThrowingSource(), good], sinks, _time);

        var snapshot = await monitor.SampleAsync();

        Assert.That(snapshot.Readings, Has.Count.EqualTo(1));
        Assert.That(delivered, Has.Count.EqualTo(1));
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryError()
    {
        var options = new HealthMonitorOptions { HistoryLength = 0, SampleInterval = TimeSpan.Zero };
        options.Thresholds["bad"] = MetricThreshold.Above(90, 80, 70);

        var ex = Assert.Throws<ArgumentException>(() => _ = new HealthMonitor(options, []));

        Assert.That(ex!.Message, Does.Contain("HistoryLength").And.Contain("SampleInterval").And.Contain("'bad'"));
    }

    [Test]
    public async Task HealthCheck_ReportsStatusAndScores()
    {
        var source = new SettableSource();
        source.Set("system", MetricNames.CpuPercent, 99);
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);

        var result = await new HealthMonitorHealthCheck(monitor).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(result.Data["system"], Is.LessThan(30));
        Assert.That(result.Description, Does.Contain("cpu_percent"));
    }

    [Test]
    public async Task AlertRaised_FirstSubscriberThrows_LaterSubscribersStillReceiveTheAlert()
    {
        var source = new SettableSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);
        var received = new List<Alert>();
        monitor.AlertRaised += (_, _) => throw new InvalidOperationException("dashboard down");
        monitor.AlertRaised += (_, alert) => received.Add(alert);
        source.Set("system", MetricNames.CpuPercent, 99);

        await monitor.SampleAsync();

        Assert.That(received.Select(a => a.Level), Is.EqualTo(new[] { AlertLevel.Emergency }));
    }

    [Test]
    public async Task SampleAsync_SourceFailsAfterAnEmergencyReading_ItsOldReadingIsNotScored()
    {
        var failing = new SwitchableSource();
        failing.Inner.Set("cost", MetricNames.ApiCostHourly, 5.2);
        var healthy = new SettableSource();
        healthy.Set("system", MetricNames.CpuPercent, 10);
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [failing, healthy], timeProvider: _time);
        var first = await monitor.SampleAsync();

        failing.Fail = true;
        _time.Advance(TimeSpan.FromHours(2));
        var second = await monitor.SampleAsync();

        Assert.That(first.Components.Single(c => c.Component == "cost").Status, Is.Not.EqualTo(HealthStatus.Healthy), "the arrangement reads an emergency first");
        Assert.That(second.Components.Select(c => c.Component), Is.EqualTo(new[] { "system" }), "only what this sample read is scored");
        Assert.That(second.Status, Is.EqualTo(HealthStatus.Healthy));
    }

    internal sealed class SettableSource : IHealthMetricSource
    {
        private readonly Dictionary<(string, string), double> _values = [];

        public void Set(string component, string metric, double value) => _values[(component, metric)] = value;

        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            lock (_values)
            {
                foreach (var ((component, metric), value) in _values)
                {
                    readings.Add(new MetricReading(component, metric, value));
                }
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class SwitchableSource : IHealthMetricSource
    {
        public SettableSource Inner { get; } = new();

        public bool Fail { get; set; }

        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default) =>
            Fail ? throw new InvalidOperationException("ledger down") : Inner.CollectAsync(readings, cancellationToken);
    }

    private sealed class ThrowingSource : IHealthMetricSource
    {
        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default) => throw new InvalidOperationException("source down");
    }
}
