using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

public sealed class TieredCacheMetricsTests
{
    [Test]
    public async Task Instruments_ReportHitsMissesPromotionsBytesAndL3ErrorsPerTier()
    {
        using var folder = new TemporaryDirectory();
        using var meters = new TestMeterFactory();
        var time = new FakeTimeProvider();
        using var disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = folder.Path }, time, meterFactory: meters);
        var l3 = new MemoryBinaryStore(time);
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        using var cache = new TieredCache(options, disk, l3, timeProvider: time, meterFactory: meters);

        await cache.SetAsync("k", "value", CachePolicyNames.Embeddings);
        cache.ClearMemory();
        await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings);
        await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings);
        await cache.TryGetAsync<string>("absent", CachePolicyNames.Embeddings);
        l3.Failing = true;
        await cache.SetAsync("k2", "value", CachePolicyNames.Embeddings);

        Assert.That(meters.Sum("resourcekit.cache.tier.hits", "l2"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.tier.hits", "l1"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.tier.misses", "l1"), Is.EqualTo(2));
        Assert.That(meters.Sum("resourcekit.cache.tier.misses", "l3"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.tier.promotions", "l1"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.l3.errors"), Is.EqualTo(1));

        meters.Observe();
        Assert.That(meters.Sum("resourcekit.cache.tier.bytes", "l2"), Is.EqualTo(disk.Statistics.Bytes).And.GreaterThan(0));
        Assert.That(meters.Sum("resourcekit.cache.tier.entries", "l2"), Is.EqualTo(2));
        Assert.That(meters.Sum("resourcekit.cache.l3.circuit.state"), Is.EqualTo((int)CacheCircuitState.Closed));
    }

    [Test]
    public async Task GetOrCreateAsync_Miss_CountsEachTierOnce()
    {
        using var folder = new TemporaryDirectory();
        using var meters = new TestMeterFactory();
        var time = new FakeTimeProvider();
        using var disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = folder.Path }, time);
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        using var cache = new TieredCache(options, disk, new MemoryBinaryStore(time), timeProvider: time, meterFactory: meters);

        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v"), CachePolicyNames.Embeddings);

        // The flight looks at L1 again before the lower tiers (a flight that just ended may have filled it); that
        // second look is part of the same request and is not another miss.
        Assert.That(meters.Sum("resourcekit.cache.tier.misses", "l1"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.tier.misses", "l2"), Is.EqualTo(1));
        Assert.That(meters.Sum("resourcekit.cache.tier.misses", "l3"), Is.EqualTo(1));
        Assert.That(cache.Statistics.Misses, Is.EqualTo(1));
    }
}
