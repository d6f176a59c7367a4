using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Redis;
using ResourceKit.Caching.Tests.TestDoubles;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.Redis;

/// <summary>The tiered cache against a real Redis: round trip, TTL, cross-host invalidation and an outage.</summary>
public sealed class TieredCacheRedisTests
{
    private FakeTimeProvider _time = null!;
    private string _application = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _application = "rk-test-" + Guid.NewGuid().ToString("N");
    }

    [Test]
    public async Task SetAsync_WritesRedisWithServerSideTtlAndPrefix()
    {
        using var connection = RedisTestServer.ConnectOrIgnore();
        using var cache = Create(connection, backplane: null);

        await cache.SetAsync("k", "v", CachePolicyNames.Embeddings);

        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync($"{_application}:tenant:k");
        Assert.That(ttl, Is.Not.Null.And.GreaterThan(TimeSpan.FromHours(23)));
        cache.ClearMemory();
        Assert.That(await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v", CacheValueSource.Distributed)));
    }

    [Test]
    public async Task SetAsync_OnOneHost_InvalidatesMemoryOnAnotherThroughPubSub()
    {
        using var connectionA = RedisTestServer.ConnectOrIgnore();
        using var connectionB = RedisTestServer.ConnectOrIgnore();
        using var backplaneA = new RedisCacheBackplane(connectionA, _application);
        using var backplaneB = new RedisCacheBackplane(connectionB, _application);
        using var a = Create(connectionA, backplaneA);
        using var b = Create(connectionB, backplaneB);
        var invalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var probe = backplaneB.Subscribe(_ => invalidated.TrySetResult());
        await a.SetAsync("k", "v1", CachePolicyNames.Embeddings);
        // Host B reads only after A's invalidation arrived: a copy from Redis that races an invalidation of its key
        // is (deliberately) not promoted, so reading earlier could leave the value in Redis only.
        await invalidated.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That((await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("v1"));
        Assert.That((await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Source, Is.EqualTo(CacheValueSource.Memory));
        invalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await a.SetAsync("k", "v2", CachePolicyNames.Embeddings);
        await invalidated.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v2", CacheValueSource.Distributed)));

        invalidated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await a.RemoveAsync("k");
        await invalidated.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
    }

    [Test]
    public async Task RedisStoppedMidTest_ServiceContinuesWithoutExceptionsAndL3RecoversAfterRestart()
    {
        using var server = RedisTestServer.StartOwnOrIgnore();
        using var connection = RedisConnectionFactory.Connect(new RedisTierOptions { Configuration = server.Address, ConnectTimeout = TimeSpan.FromSeconds(10) });
        using var backplane = new RedisCacheBackplane(connection, _application);
        var log = new ListLogger<TieredCache>();
        using var cache = Create(connection, backplane, log);
        await cache.SetAsync("before", 1, CachePolicyNames.Embeddings);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Only the interactive connection carries cache reads and writes; the subscription connection can come back
        // first (a CI run saw the write fail after a subscription-only restore and re-open the circuit).
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                restored.TrySetResult();
            }
        };

        server.Stop();
        for (var i = 0; i < 6; i++)
        {
            Assert.That(await cache.GetOrCreateAsync($"during-{i}", _ => ValueTask.FromResult(i), CachePolicyNames.Embeddings), Is.EqualTo(i));
        }

        Assert.That((await cache.TryGetAsync<int>("before", CachePolicyNames.Embeddings)).Value, Is.EqualTo(1), "L1/L2 still serve");
        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Open));
        Assert.That(cache.Statistics.DistributedErrors, Is.GreaterThan(0));

        server.Start();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await connection.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await connection.GetDatabase().StringSetAsync($"{_application}:tenant:during-0", "written by another host before the outage");

        // Once the break is over a recovery pass replays the changes Redis missed (its trial call closes the circuit);
        // a pass whose trial came too early for the restarted server is retried after another break.
        for (var pass = 1; pass <= 5 && cache.Statistics.RecoveryPending > 0; pass++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            await log.WaitForAsync(5313, pass);
        }

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
        Assert.That(await connection.GetDatabase().KeyExistsAsync($"{_application}:tenant:during-0"), Is.False, "the value the outage hid is removed");
        await cache.SetAsync("after", 2, CachePolicyNames.Embeddings);

        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Closed));
        Assert.That(await connection.GetDatabase().KeyExistsAsync($"{_application}:tenant:after"), Is.True);
    }

    private TieredCache Create(IConnectionMultiplexer connection, RedisCacheBackplane? backplane, ILogger<TieredCache>? logger = null)
    {
        var options = new TieredCacheOptions
        {
            ApplicationName = _application,
            TenantId = "tenant",
            CircuitBreakDuration = TimeSpan.FromSeconds(2),
        };
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        return new TieredCache(options, disk: null, new RedisCacheStore(connection, _time), backplane, timeProvider: _time, logger: logger);
    }
}
