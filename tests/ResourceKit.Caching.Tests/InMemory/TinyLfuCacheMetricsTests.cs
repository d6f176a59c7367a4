using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace ResourceKit.Caching.Tests.InMemory;

public sealed class TinyLfuCacheMetricsTests
{
    [Test]
    public void Instruments_AfterTraffic_PublishCountersTaggedWithCacheName()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        using var cache = TestCaches.Create(2, configure: o =>
        {
            o.Name = name;
            o.CountHitsAndMisses = true;
        });
        cache.Set(1, 1);
        cache.Set(2, 2);
        cache.Set(3, 3);
        cache.TryGet(3, out _);
        cache.TryGet(99, out _);

        var measurements = Collect(name);

        Assert.Multiple(() =>
        {
            Assert.That(measurements["resourcekit.cache.hits"], Is.EqualTo(1));
            Assert.That(measurements["resourcekit.cache.misses"], Is.EqualTo(1));
            Assert.That(measurements["resourcekit.cache.entries"], Is.EqualTo(2));
            Assert.That(measurements["resourcekit.cache.capacity"], Is.EqualTo(2));
            Assert.That(measurements["resourcekit.cache.evictions/evicted"], Is.EqualTo(1));
            Assert.That(measurements["resourcekit.cache.hit.ratio"], Is.EqualTo(0.5));
        });
    }

    [Test]
    public void Instruments_CacheNotCountingHitsAndMisses_PublishesNoHitRatioButStillItsSize()
    {
        var name = "uncounted-" + Guid.NewGuid().ToString("N");
        using var cache = TestCaches.Create(2, configure: o => o.Name = name);
        cache.Set(1, 1);
        cache.TryGet(1, out _);
        cache.TryGet(99, out _);

        var measurements = Collect(name);

        Assert.Multiple(() =>
        {
            Assert.That(measurements.ContainsKey("resourcekit.cache.hits"), Is.False, "a cache that does not count would report 0 hits");
            Assert.That(measurements.ContainsKey("resourcekit.cache.misses"), Is.False);
            Assert.That(measurements.ContainsKey("resourcekit.cache.hit.ratio"), Is.False, "a ratio of 0 would read as a cache that never hits");
            Assert.That(measurements["resourcekit.cache.entries"], Is.EqualTo(1));
            Assert.That(measurements["resourcekit.cache.capacity"], Is.EqualTo(2));
        });
    }

    [Test]
    public void Caches_CreatedAndDisposedOnOneMeterFactory_ShareOneInstrumentAndReportOnlyLiveCaches()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var published = 0;
        var names = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "resourcekit.cache.hits" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                published++;
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => names.Add((string)tags[0].Value!));
        listener.Start();
        using var kept = new TinyLfuCache<int, int>(new TinyLfuCacheOptions<int, int> { Capacity = 10, Name = "kept", CountHitsAndMisses = true }, meterFactory: meters);

        for (var i = 0; i < 50; i++)
        {
            using var transient = new TinyLfuCache<int, int>(new TinyLfuCacheOptions<int, int> { Capacity = 10, Name = "transient-" + i, CountHitsAndMisses = true }, meterFactory: meters);
        }

        listener.RecordObservableInstruments();
        Assert.That(published, Is.EqualTo(1), "one instrument per meter, not one per cache");
        Assert.That(names, Is.EqualTo(new[] { "kept" }));
    }

    [Test]
    public void Dispose_Cache_StopsPublishing()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        var cache = TestCaches.Create(2, configure: o => o.Name = name);
        cache.Dispose();

        Assert.That(Collect(name), Is.Empty);
    }

    private static Dictionary<string, double> Collect(string cacheName)
    {
        var measurements = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ResourceKit.Caching")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? cause = null;
            var mine = false;
            foreach (var tag in tags)
            {
                mine |= tag.Key == "cache.name" && (string?)tag.Value == cacheName;
                cause = tag.Key == "cause" ? (string?)tag.Value : cause;
            }

            if (mine)
            {
                measurements[cause is null ? instrument.Name : instrument.Name + "/" + cause] = value;
            }
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        listener.RecordObservableInstruments();
        return measurements;
    }
}
