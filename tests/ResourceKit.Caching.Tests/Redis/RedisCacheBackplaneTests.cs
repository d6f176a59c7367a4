using ResourceKit.Caching.Redis;
using ResourceKit.Caching.Tests.TestDoubles;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.Redis;

public sealed class RedisCacheBackplaneTests
{
    private ConnectionMultiplexer _first = null!;
    private ConnectionMultiplexer _second = null!;
    private string _channel = null!;

    [SetUp]
    public void SetUp()
    {
        _first = RedisTestServer.ConnectOrIgnore();
        _second = RedisTestServer.ConnectOrIgnore();
        _channel = "rk-test:" + Guid.NewGuid().ToString("N");
    }

    [TearDown]
    public void TearDown()
    {
        _first?.Dispose();
        _second?.Dispose();
    }

    [Test]
    public async Task PublishInvalidationAsync_ReachesOtherInstancesButNotItself()
    {
        using var sender = new RedisCacheBackplane(_first, _channel);
        using var receiver = new RedisCacheBackplane(_second, _channel);
        var received = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var heardBySender = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        var senderHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var senderSubscription = sender.Subscribe(key =>
        {
            heardBySender.Enqueue(key);
            senderHeard.TrySetResult();
        });
        using var receiverSubscription = receiver.Subscribe(key => received.TrySetResult(key));

        await sender.PublishInvalidationAsync("app:tenant:k");

        Assert.That(await received.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo("app:tenant:k"));
        await receiver.PublishInvalidationAsync("flush");
        await senderHeard.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(heardBySender, Is.EqualTo(new[] { "flush" }), "the sender hears the receiver but not itself");
    }

    [Test]
    public void Constructor_BadArguments_Throw()
    {
        Assert.That(() => new RedisCacheBackplane(null!, "c"), Throws.ArgumentNullException);
        Assert.That(() => new RedisCacheBackplane(_first, " "), Throws.ArgumentException);
    }
}
