using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Health;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.Health;

public sealed class MemoryPressureHealthCheckTests
{
    [TestCase(0.10, HealthStatus.Healthy)]
    [TestCase(0.75, HealthStatus.Degraded)]
    [TestCase(0.90, HealthStatus.Unhealthy)]
    [TestCase(0.99, HealthStatus.Unhealthy)]
    public async Task CheckHealthAsync_Level_MapsToStatus(double ratio, HealthStatus expected)
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        source.SetRatio(ratio);
        monitor.Sample();

        var result = await new MemoryPressureHealthCheck(monitor).CheckHealthAsync(new HealthCheckContext());

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(expected));
            Assert.That(result.Data["ratio"], Is.EqualTo(ratio).Within(1e-9));
        });
    }

    [Test]
    public async Task CheckHealthAsync_CustomLevels_UsesThem()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        source.SetRatio(0.9);
        monitor.Sample();
        var check = new MemoryPressureHealthCheck(monitor, new MemoryHealthOptions { DegradedLevel = MemoryPressureLevel.Critical, UnhealthyLevel = MemoryPressureLevel.Emergency });

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public void Validate_UnhealthyBelowDegraded_ReportsProblem()
    {
        var options = new MemoryHealthOptions { DegradedLevel = MemoryPressureLevel.Critical, UnhealthyLevel = MemoryPressureLevel.Warning };

        Assert.That(options.Validate(), Has.One.Contains("must not be below DegradedLevel"));
    }

    [Test]
    public async Task CheckHealthAsync_GcOverheadAboveMaximum_DegradedEvenAtNormalPressure()
    {
        var time = new FakeTimeProvider();
        var collector = new FakeGarbageCollector();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: new FakeMemorySource(), timeProvider: time);
        monitor.Sample();
        using var tuner = new GcTuner(new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) }, collector, cpu: new FakeCpuUsageSource(), timeProvider: time);
        tuner.Start();
        var check = new MemoryPressureHealthCheck(monitor, tuner: tuner);
        for (var i = 0; i < 6; i++)
        {
            collector.TotalPause += TimeSpan.FromMilliseconds(200); // 2 %: above the target only
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var withinMaximum = await check.CheckHealthAsync(new HealthCheckContext());
        for (var i = 0; i < 6; i++)
        {
            collector.TotalPause += TimeSpan.FromMilliseconds(400); // 4 %
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var aboveMaximum = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Multiple(() =>
        {
            Assert.That(withinMaximum.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(aboveMaximum.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(aboveMaximum.Description, Does.Contain("GC overhead"));
            Assert.That(aboveMaximum.Data["gcOverhead"], Is.EqualTo(0.04).Within(1e-9));
        });
    }
}
