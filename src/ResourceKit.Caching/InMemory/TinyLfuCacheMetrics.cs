using System.Diagnostics.Metrics;
using ResourceKit.Diagnostics;

namespace ResourceKit.Caching;

/// <summary>
/// Publishes a cache's statistics as observable instruments on the <c>ResourceKit.Caching</c>
/// meter, tagged with the cache's name. Observable instruments read the counters only when a
/// listener collects, so the hot path pays nothing for metrics. Every cache on one meter shares one
/// set of instruments and leaves it on disposal, so caches created and disposed at run time on a
/// host's meter factory are not kept alive by it.
/// </summary>
internal sealed class TinyLfuCacheMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ResourceKit.Caching";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly IDisposable _registration;

    public TinyLfuCacheMetrics(string cacheName, IMeterFactory? meterFactory, Func<CacheStatistics> snapshot)
    {
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _registration = SharedObservableInstruments<CacheStatistics>.Register(_meter, snapshot, new KeyValuePair<string, object?>("cache.name", cacheName), CreateInstruments);
    }

    public void Dispose()
    {
        _registration.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static void CreateInstruments(Meter meter, SharedObservableInstruments<CacheStatistics> caches)
    {
        // Hits, misses and the hit ratio come only from caches that count them: a cache that does not would report a
        // ratio of 0, which reads as a cache that never hits.
        meter.CreateObservableCounter("resourcekit.cache.hits", () => caches.ObserveMany<long>((s, name, m) => AddIfCounted(s, s.Hits, name, m)), "{request}", "Lookups that found a live entry (caches that count them).");
        meter.CreateObservableCounter("resourcekit.cache.misses", () => caches.ObserveMany<long>((s, name, m) => AddIfCounted(s, s.Misses, name, m)), "{request}", "Lookups that found no live entry (caches that count them).");
        meter.CreateObservableCounter("resourcekit.cache.evictions", () => caches.ObserveMany<long>(AddRemovals), "{entry}", "Entries that left the cache, by cause (evicted, expired, removed, replaced).");
        meter.CreateObservableCounter("resourcekit.cache.rejections", () => caches.Observe(s => s.Rejections), "{entry}", "Writes not cached because the entry outweighed the capacity.");
        meter.CreateObservableUpDownCounter("resourcekit.cache.entries", () => caches.Observe(s => (long)s.Count), "{entry}", "Entries in the cache.");
        meter.CreateObservableUpDownCounter("resourcekit.cache.weight", () => caches.Observe(s => s.Weight), "{weight}", "Total weight of the entries.");
        meter.CreateObservableUpDownCounter("resourcekit.cache.capacity", () => caches.Observe(s => s.Capacity), "{weight}", "Maximum total weight.");
        meter.CreateObservableGauge("resourcekit.cache.hit.ratio", () => caches.ObserveMany<double>((s, name, m) => AddIfCounted(s, s.HitRatio, name, m)), "1", "Hits divided by lookups since the cache was created (caches that count them).");
        meter.CreateObservableGauge("resourcekit.cache.window.ratio", () => caches.Observe(s => s.WindowFraction), "1", "The admission window's share of capacity, as tuned by the adaptive window.");
    }

    private static void AddIfCounted<T>(CacheStatistics statistics, T value, KeyValuePair<string, object?> name, List<Measurement<T>> measurements)
        where T : struct
    {
        if (statistics.CountsHitsAndMisses)
        {
            measurements.Add(new Measurement<T>(value, name));
        }
    }

    private static void AddRemovals(CacheStatistics statistics, KeyValuePair<string, object?> name, List<Measurement<long>> measurements)
    {
        measurements.Add(Removal(statistics.Evictions, name, "evicted"));
        measurements.Add(Removal(statistics.Expirations, name, "expired"));
        measurements.Add(Removal(statistics.Removals, name, "removed"));
        measurements.Add(Removal(statistics.Replacements, name, "replaced"));
    }

    private static Measurement<long> Removal(long value, KeyValuePair<string, object?> name, string cause) =>
        new(value, name, new KeyValuePair<string, object?>("cause", cause));
}
