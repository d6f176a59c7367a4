using System.Diagnostics.Metrics;

namespace ResourceKit.Caching;

/// <summary>
/// Publishes a cache's statistics as observable instruments on the <c>ResourceKit.Caching</c>
/// meter, tagged with the cache's name. Observable instruments read the counters only when a
/// listener collects, so the hot path pays nothing for metrics.
/// </summary>
internal sealed class TinyLfuCacheMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ResourceKit.Caching";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Func<CacheStatistics> _snapshot;
    private readonly KeyValuePair<string, object?> _nameTag;
    private volatile bool _disposed;

    public TinyLfuCacheMetrics(string cacheName, IMeterFactory? meterFactory, Func<CacheStatistics> snapshot)
    {
        _snapshot = snapshot;
        _nameTag = new KeyValuePair<string, object?>("cache.name", cacheName);
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("resourcekit.cache.hits", () => Observe(s => s.Hits), "{request}", "Lookups that found a live entry.");
        _meter.CreateObservableCounter("resourcekit.cache.misses", () => Observe(s => s.Misses), "{request}", "Lookups that found no live entry.");
        _meter.CreateObservableCounter("resourcekit.cache.evictions", ObserveRemovals, "{entry}", "Entries that left the cache, by cause (evicted, expired, removed, replaced).");
        _meter.CreateObservableCounter("resourcekit.cache.rejections", () => Observe(s => s.Rejections), "{entry}", "Writes not cached because the entry outweighed the capacity.");
        _meter.CreateObservableUpDownCounter("resourcekit.cache.entries", () => Observe(s => (long)s.Count), "{entry}", "Entries in the cache.");
        _meter.CreateObservableUpDownCounter("resourcekit.cache.weight", () => Observe(s => s.Weight), "{weight}", "Total weight of the entries.");
        _meter.CreateObservableUpDownCounter("resourcekit.cache.capacity", () => Observe(s => s.Capacity), "{weight}", "Maximum total weight.");
        _meter.CreateObservableGauge("resourcekit.cache.hit.ratio", () => Observe(s => s.HitRatio), "1", "Hits divided by lookups since the cache was created.");
        _meter.CreateObservableGauge("resourcekit.cache.window.ratio", () => Observe(s => s.WindowFraction), "1", "The admission window's share of capacity, as tuned by the hill climber.");
    }

    public void Dispose()
    {
        _disposed = true;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<T>> Observe<T>(Func<CacheStatistics, T> select)
        where T : struct
    {
        if (_disposed)
        {
            return [];
        }

        return [new Measurement<T>(select(_snapshot()), _nameTag)];
    }

    private IEnumerable<Measurement<long>> ObserveRemovals()
    {
        if (_disposed)
        {
            return [];
        }

        var statistics = _snapshot();
        return
        [
            Removal(statistics.Evictions, "evicted"),
            Removal(statistics.Expirations, "expired"),
            Removal(statistics.Removals, "removed"),
            Removal(statistics.Replacements, "replaced"),
        ];
    }

    private Measurement<long> Removal(long value, string cause) =>
        new(value, _nameTag, new KeyValuePair<string, object?>("cause", cause));
}
