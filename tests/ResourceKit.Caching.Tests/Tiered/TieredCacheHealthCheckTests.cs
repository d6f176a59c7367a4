using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

public sealed class TieredCacheHealthCheckTests
{
    [Test]
    public async Task CheckHealthAsync_CircuitOpen_ReportsDegradedThenHealthyAfterRecovery()
    {
        var time = new FakeTimeProvider();
        var store = new MemoryBinaryStore(time) { Failing = true };
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        using var cache = new TieredCache(options, distributed: store, timeProvider: time);
        var check = new TieredCacheHealthCheck(cache);
        for (var i = 0; i < 4; i++)
        {
            await cache.SetAsync($"k{i}", i, CachePolicyNames.Embeddings);
        }

        var degraded = await check.CheckHealthAsync(new HealthCheckContext());
        store.Failing = false;
        time.Advance(options.CircuitBreakDuration);
        await cache.SetAsync("k", 1, CachePolicyNames.Embeddings);
        var healthy = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(degraded.Data["circuit"], Is.EqualTo("Open"));
        Assert.That(healthy.Status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public void Constructor_NullCache_Throws() => Assert.That(() => new TieredCacheHealthCheck(null!), Throws.ArgumentNullException);
}
