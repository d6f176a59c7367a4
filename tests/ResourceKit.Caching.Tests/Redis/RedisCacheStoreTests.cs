using System.Text;
using ResourceKit.Caching.Redis;
using ResourceKit.Caching.Tests.TestDoubles;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.Redis;

public sealed class RedisCacheStoreTests
{
    private ConnectionMultiplexer _connection = null!;
    private string _key = null!;

    [SetUp]
    public void SetUp()
    {
        _connection = RedisTestServer.ConnectOrIgnore();
        _key = "rk-test:" + Guid.NewGuid().ToString("N");
    }

    [TearDown]
    public void TearDown() => _connection?.Dispose();

    [Test]
    public async Task SetAsync_ThenGetAsync_RoundTripsTheBytes()
    {
        var store = new RedisCacheStore(_connection);

        await store.SetAsync(_key, Encoding.UTF8.GetBytes("hello"), DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.That(Encoding.UTF8.GetString((await store.GetAsync(_key))!), Is.EqualTo("hello"));
    }

    [Test]
    public async Task SetAsync_SetsTheTimeToLiveOnTheServer()
    {
        var store = new RedisCacheStore(_connection);

        await store.SetAsync(_key, new byte[] { 1 }, DateTimeOffset.UtcNow.AddMinutes(10));

        var ttl = await _connection.GetDatabase().KeyTimeToLiveAsync(_key);
        Assert.That(ttl, Is.Not.Null);
        Assert.That(ttl!.Value, Is.GreaterThan(TimeSpan.FromMinutes(9)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public async Task SetAsync_ExpiryInThePast_DeletesTheKey()
    {
        var store = new RedisCacheStore(_connection);
        await store.SetAsync(_key, new byte[] { 1 }, DateTimeOffset.UtcNow.AddMinutes(10));

        await store.SetAsync(_key, new byte[] { 2 }, DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.That(await store.GetAsync(_key), Is.Null);
    }

    [Test]
    public async Task RemoveAsync_DeletesTheKey()
    {
        var store = new RedisCacheStore(_connection);
        await store.SetAsync(_key, new byte[] { 1 }, DateTimeOffset.UtcNow.AddMinutes(10));

        await store.RemoveAsync(_key);

        Assert.That(await store.GetAsync(_key), Is.Null);
    }

    [Test]
    public void Methods_EmptyKey_Throw()
    {
        var store = new RedisCacheStore(_connection);

        Assert.That(async () => await store.GetAsync(""), Throws.ArgumentException);
        Assert.That(() => new RedisCacheStore(null!), Throws.ArgumentNullException);
    }
}
