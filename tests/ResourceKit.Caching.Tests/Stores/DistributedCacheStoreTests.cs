using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Caching.Tests.Stores;

public sealed class DistributedCacheStoreTests
{
    [Test]
    public async Task SetGetRemove_PassThroughWithTheAbsoluteExpiry()
    {
        var inner = new RecordingDistributedCache();
        var store = new DistributedCacheStore(inner);
        var expiry = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);

        await store.SetAsync("k", new byte[] { 1, 2 }, expiry);
        var read = await store.GetAsync("k");
        await store.RemoveAsync("k");

        Assert.That(read, Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(inner.Expiries["k"], Is.EqualTo(expiry));
        Assert.That(await store.GetAsync("k"), Is.Null);
    }

    [Test]
    public async Task TieredCache_OverDistributedCacheStore_UsesItAsL3()
    {
        var time = new FakeTimeProvider();
        var inner = new RecordingDistributedCache();
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        using var cache = new TieredCache(options, distributed: new DistributedCacheStore(inner), timeProvider: time);

        await cache.SetAsync("k", "v", CachePolicyNames.Embeddings);
        cache.ClearMemory();

        Assert.That(await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v", CacheValueSource.Distributed)));
        Assert.That(inner.Expiries.Keys, Is.EqualTo(new[] { "resourcekit:default:k" }));
    }

    [Test]
    public void Constructor_NullCache_Throws() => Assert.That(() => new DistributedCacheStore(null!), Throws.ArgumentNullException);

    private sealed class RecordingDistributedCache : IDistributedCache
    {
        private readonly ConcurrentDictionary<string, byte[]> _values = new();

        public ConcurrentDictionary<string, DateTimeOffset?> Expiries { get; } = new();

        public byte[]? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key) => _values.TryRemove(key, out _);

        public Task RemoveAsync(string key, CancellationToken token = default)
        {
            Remove(key);
            return Task.CompletedTask;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        {
            _values[key] = value;
            Expiries[key] = options.AbsoluteExpiration;
        }

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Set(key, value, options);
            return Task.CompletedTask;
        }
    }
}
