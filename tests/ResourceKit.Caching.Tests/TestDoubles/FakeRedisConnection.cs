using System.Reflection;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>
/// A server-less <see cref="IConnectionMultiplexer"/> (and its <see cref="ISubscriber"/>) for the backplane's pub/sub
/// calls: the first subscriptions fail with a chosen exception, later ones keep the handler so a test can deliver
/// messages. Any other member throws <see cref="NotSupportedException"/>.
/// </summary>
internal sealed class FakeRedisConnection
{
    private readonly List<Action<RedisChannel, RedisValue>> _handlers = [];
    private readonly Exception? _failure;
    private int _failuresLeft;

    private FakeRedisConnection(int failingSubscribes, Exception? failure)
    {
        _failuresLeft = failingSubscribes;
        _failure = failure;
        var subscriber = DispatchProxy.Create<ISubscriber, RedisProxy>();
        ((RedisProxy)(object)subscriber).Owner = this;
        Subscriber = subscriber;
        Connection = DispatchProxy.Create<IConnectionMultiplexer, RedisProxy>();
        ((RedisProxy)(object)Connection).Owner = this;
    }

    public IConnectionMultiplexer Connection { get; }

    public int SubscribeCalls { get; private set; }

    private ISubscriber Subscriber { get; }

    public static FakeRedisConnection Create(int failingSubscribes = 0, Exception? failure = null) => new(failingSubscribes, failure);

    /// <summary>Delivers <paramref name="message"/> to every handler subscribed so far.</summary>
    public void Deliver(string channel, string message)
    {
        foreach (var handler in _handlers.ToArray())
        {
            handler(RedisChannel.Literal(channel), message);
        }
    }

    private object? Invoke(MethodInfo method, object?[] args)
    {
        switch (method.Name)
        {
            case "add_ConnectionRestored" or "remove_ConnectionRestored" or "Unsubscribe":
                return null;
            case "GetSubscriber":
                return Subscriber;
            case "Subscribe" when args.Length == 3 && args[1] is Action<RedisChannel, RedisValue> handler:
                SubscribeCalls++;
                if (_failuresLeft > 0)
                {
                    _failuresLeft--;
                    throw _failure!;
                }

                _handlers.Add(handler);
                return null;
            default:
                throw new NotSupportedException($"The fake Redis connection does not implement {method.Name}.");
        }
    }

    /// <summary>The proxy type DispatchProxy derives from; it must be public-constructible and not sealed.</summary>
#pragma warning disable CA1852 // DispatchProxy needs a non-sealed type to derive from.
    internal class RedisProxy : DispatchProxy
#pragma warning restore CA1852
    {
        public FakeRedisConnection Owner { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Owner.Invoke(targetMethod!, args ?? []);
    }
}
