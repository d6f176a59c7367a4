using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.Diagnostics;

public sealed class MemoryTelemetryTests
{
    [Test]
    public void PressureRatio_AfterSample_PublishedAsZeroToOneRatio()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider(), meterFactory: meterFactory);
        using var ratio = new MetricCollector<double>(meterFactory, MemoryTelemetry.MeterName, "resourcekit.memory.pressure.ratio");
        using var changes = new MetricCollector<long>(meterFactory, MemoryTelemetry.MeterName, "resourcekit.memory.pressure.level_changes");
        source.SetRatio(0.9);

        monitor.Sample();
        ratio.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(ratio.LastMeasurement?.Value, Is.EqualTo(0.9).Within(1e-9));
            Assert.That(changes.LastMeasurement?.Tags["level"], Is.EqualTo("Critical"));
        });
    }

    [Test]
    public void ObjectPoolCounters_AfterUse_ObservedFromStatistics()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var pool = new BoundedObjectPool<object>(new DefaultPooledObjectPolicy<object>(), new BoundedObjectPoolOptions { Name = "msgs" }, meterFactory);
        using var rented = new MetricCollector<long>(meterFactory, MemoryTelemetry.MeterName, "resourcekit.memory.object_pool.rented");

        pool.Return(pool.Get());
        pool.Return(pool.Get());
        rented.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(rented.LastMeasurement?.Value, Is.EqualTo(2));
            Assert.That(rented.LastMeasurement?.Tags["pool"], Is.EqualTo("msgs"));
        });
    }
}
