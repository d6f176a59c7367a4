using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Redis;
using ResourceKit.Caching.Tests.TestDoubles;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.Redis;

public sealed class RedisCacheBackplaneTests
{
    private readonly string _channel = "rk-test:" + Guid.NewGuid().ToString("N");

    [Test]
    public async Task PublishInvalidationAsync_ReachesOtherInstancesButNotItself()
    {
        using var first = RedisTestServer.ConnectOrIgnore();
        using var second = RedisTestServer.ConnectOrIgnore();
        using var sender = new RedisCacheBackplane(first, _channel);
        using var receiver = new RedisCacheBackplane(second, _channel);
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

        Assert.That(await received.Task.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo("app:tenant:k"));
        await receiver.PublishInvalidationAsync("flush");
        await senderHeard.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(heardBySender, Is.EqualTo(new[] { "flush" }), "the sender hears the receiver but not itself");
    }

    [Test]
    public void Constructor_BadArguments_Throw()
    {
        Assert.That(() => new RedisCacheBackplane(null!, "c"), Throws.ArgumentNullException);
        Assert.That(() => new RedisCacheBackplane(FakeRedisConnection.Create().Connection, " "), Throws.ArgumentException);
    }

    [Test]
    public void Subscribe_SubscriptionTimesOut_DoesNotThrowAndTheNextSubscribeListens()
    {
        var redis = FakeRedisConnection.Create(failingSubscribes: 1, new RedisTimeoutException(CommandFlags.None, "Timeout performing SUBSCRIBE", CommandStatus.Sent));
        using var backplane = new RedisCacheBackplane(redis.Connection, _channel);
        var heard = new List<string?>();

        using var first = backplane.Subscribe(heard.Add);
        using var second = backplane.Subscribe(heard.Add);
        redis.Deliver(_channel, "other-host\napp:tenant:k");

        Assert.That(redis.SubscribeCalls, Is.EqualTo(2), "the timed-out subscription was retried");
        Assert.That(heard, Is.EqualTo(new[] { null, null, "app:tenant:k", "app:tenant:k" }), "a resync (to both handlers) once listening, then the message");
    }

    [Test]
    public void Subscribe_AfterAnEarlierSubscriptionTimedOut_AsksTheEarlierHandlerToResync()
    {
        var redis = FakeRedisConnection.Create(failingSubscribes: 1, new RedisTimeoutException(CommandFlags.None, "Timeout performing SUBSCRIBE", CommandStatus.Sent));
        var time = new FakeTimeProvider();
        using var backplane = new RedisCacheBackplane(redis.Connection, _channel, time);
        var first = new List<string?>();
        var second = new List<string?>();

        using var firstSubscription = backplane.Subscribe(first.Add);
        using var secondSubscription = backplane.Subscribe(second.Add);

        Assert.That(first, Is.EqualTo(new string?[] { null }), "invalidations published while the first handler was not listening are lost: it must resync");
        time.Advance(RedisCacheBackplane.MaximumRetryDelay);
        Assert.That(redis.SubscribeCalls, Is.EqualTo(2), "the pending retry finds the channel subscribed and does nothing");
        Assert.That(first, Has.Count.EqualTo(1), "one resync, not another from the retry timer");
    }

    [Test]
    public void Subscribe_WhileSubscribed_SendsNoResync()
    {
        var redis = FakeRedisConnection.Create();
        using var backplane = new RedisCacheBackplane(redis.Connection, _channel);
        var first = new List<string?>();

        using var firstSubscription = backplane.Subscribe(first.Add);
        using var secondSubscription = backplane.Subscribe(_ => { });

        Assert.That(first, Is.Empty);
        Assert.That(redis.SubscribeCalls, Is.EqualTo(1));
    }

    [Test]
    public void Subscribe_SubscriptionTimesOut_RetriesOnATimerAndThenAsksForAResync()
    {
        var redis = FakeRedisConnection.Create(failingSubscribes: 2, new RedisTimeoutException(CommandFlags.None, "Timeout performing SUBSCRIBE", CommandStatus.Sent));
        var time = new FakeTimeProvider();
        using var backplane = new RedisCacheBackplane(redis.Connection, _channel, time);
        var heard = new List<string?>();

        using var subscription = backplane.Subscribe(heard.Add);
        time.Advance(RedisCacheBackplane.FirstRetryDelay);
        Assert.That(redis.SubscribeCalls, Is.EqualTo(2), "retried once the first delay passed (and timed out again)");
        time.Advance(RedisCacheBackplane.FirstRetryDelay * 2);
        Assert.That(redis.SubscribeCalls, Is.EqualTo(3), "retried after twice the delay, and succeeded");
        Assert.That(heard, Is.EqualTo(new string?[] { null }), "a resync signal: invalidations sent meanwhile were lost");

        redis.Deliver(_channel, "other-host\napp:tenant:k");
        Assert.That(heard, Is.EqualTo(new[] { null, "app:tenant:k" }));
        time.Advance(RedisCacheBackplane.MaximumRetryDelay);
        Assert.That(redis.SubscribeCalls, Is.EqualTo(3), "no more attempts once subscribed");
    }

    [Test]
    public void Subscribe_UnexpectedFailure_ThrowsAndLeavesNoHandlerBehind()
    {
        var redis = FakeRedisConnection.Create(failingSubscribes: 1, new ObjectDisposedException("multiplexer"));
        using var backplane = new RedisCacheBackplane(redis.Connection, _channel);
        var abandonedCalls = 0;
        var heard = new List<string?>();

        Assert.That(() => backplane.Subscribe(_ => abandonedCalls++), Throws.TypeOf<ObjectDisposedException>());
        using var retry = backplane.Subscribe(heard.Add);
        redis.Deliver(_channel, "other-host\napp:tenant:k");

        Assert.That(heard, Is.EqualTo(new[] { "app:tenant:k" }));
        Assert.That(abandonedCalls, Is.Zero);
    }
}
