using StackExchange.Redis;

namespace ResourceKit.Caching.Redis;

/// <summary>
/// An <see cref="ICacheBackplane"/> on Redis pub/sub: one channel per application, messages
/// <c>{instance id}\n{full key}</c>, and a "drop everything distributed" signal after a reconnection,
/// because messages published while this host was disconnected are lost.
/// </summary>
public sealed class RedisCacheBackplane : ICacheBackplane, IDisposable
{
    private readonly IConnectionMultiplexer _connection;
    private readonly RedisChannel _channel;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly Lock _handlersLock = new();
    private readonly List<Action<string?>> _handlers = [];
    private readonly TimeProvider _timeProvider;
    private ITimer? _retryTimer;
    private TimeSpan _retryDelay = FirstRetryDelay;
    private bool _subscribed;
    private bool _disposed;

    /// <summary>Creates a backplane on <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection; the caller owns it.</param>
    /// <param name="channelName">The channel; every host of one application must use the same name.</param>
    /// <param name="timeProvider">The clock for retrying a subscription that timed out; defaults to <see cref="TimeProvider.System"/>.</param>
    public RedisCacheBackplane(IConnectionMultiplexer connection, string channelName, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(channelName);
        _connection = connection;
        _channel = RedisChannel.Literal(channelName);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _connection.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>The first wait before subscribing again after a timeout; it doubles up to <see cref="MaximumRetryDelay"/>.</summary>
    internal static TimeSpan FirstRetryDelay => TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between subscription attempts.</summary>
    internal static TimeSpan MaximumRetryDelay => TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async ValueTask PublishInvalidationAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        await _connection.GetSubscriber().PublishAsync(_channel, _instanceId + "\n" + key).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Action<string?> onInvalidation)
    {
        ArgumentNullException.ThrowIfNull(onInvalidation);
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool subscribeNow;
        bool othersMissedMessages;
        lock (_handlersLock)
        {
            subscribeNow = !_subscribed;
            othersMissedMessages = subscribeNow && _handlers.Count != 0;
            _handlers.Add(onInvalidation);
            _subscribed = true;
        }

        if (subscribeNow)
        {
            // Synchronous so that no invalidation published after Subscribe returns can be missed; when Redis
            // is down or slow the subscription is made on reconnection or by the next Subscribe call.
            try
            {
                // Handlers already registered were not listening since an earlier attempt failed: like the retry
                // timer, this call then asks them to resync (the new handler only hears a harmless extra signal).
                if (SubscribeToChannel() && othersMissedMessages)
                {
                    Dispatch(null);
                }
            }
            catch
            {
                // A failure SubscribeToChannel does not absorb fails this call; leave nothing behind, so a retry
                // (DI constructing the cache again, say) subscribes afresh instead of trusting a dead flag.
                lock (_handlersLock)
                {
                    _subscribed = false;
                    _handlers.Remove(onInvalidation);
                }

                throw;
            }
        }

        return new Subscription(this, onInvalidation);
    }

    /// <summary>Unsubscribes from the channel; the connection stays open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _connection.ConnectionRestored -= OnConnectionRestored;
        lock (_handlersLock)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        try
        {
            _connection.GetSubscriber().Unsubscribe(_channel, OnMessage);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Already gone with the connection, or too slow to answer; either way nothing more to release here.
        }
    }

    /// <summary>Subscribes; returns false (and schedules another attempt) when Redis is down or too slow to answer.</summary>
    private bool SubscribeToChannel()
    {
        try
        {
            _connection.GetSubscriber().Subscribe(_channel, OnMessage);
            lock (_handlersLock)
            {
                _retryDelay = FirstRetryDelay;
            }

            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // RedisTimeoutException derives from TimeoutException, not RedisException. A timeout usually leaves the
            // connection up, so no ConnectionRestored event would ever retry: a timer does, with a growing delay.
            lock (_handlersLock)
            {
                _subscribed = false;
                if (!_disposed)
                {
                    _retryTimer?.Dispose();
                    _retryTimer = _timeProvider.CreateTimer(static s => ((RedisCacheBackplane)s!).RetrySubscribe(), this, _retryDelay, Timeout.InfiniteTimeSpan);
                    _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, MaximumRetryDelay.Ticks));
                }
            }

            return false;
        }
    }

    private void RetrySubscribe()
    {
        // Messages published while this host was not listening are lost: once listening, tell the caches to resync.
        if (TryResubscribe())
        {
            Dispatch(null);
        }
    }

    /// <summary>Subscribes again if a handler waits and no subscription stands; returns whether this call subscribed.</summary>
    private bool TryResubscribe()
    {
        lock (_handlersLock)
        {
            if (_disposed || _subscribed || _handlers.Count == 0)
            {
                return false;
            }

            _subscribed = true;
        }

        return SubscribeToChannel();
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message;
        if (text is null)
        {
            return;
        }

        var separator = text.IndexOf('\n', StringComparison.Ordinal);
        if (separator <= 0 || text.AsSpan(0, separator).SequenceEqual(_instanceId))
        {
            return;
        }

        Dispatch(text[(separator + 1)..]);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Whether or not the subscription had to be made again, messages sent while disconnected are lost.
        TryResubscribe();
        Dispatch(null);
    }

    private void Dispatch(string? key)
    {
        Action<string?>[] handlers;
        lock (_handlersLock)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler(key);
        }
    }

    private void Unsubscribe(Action<string?> handler)
    {
        lock (_handlersLock)
        {
            _handlers.Remove(handler);
        }
    }

    private sealed class Subscription(RedisCacheBackplane owner, Action<string?> handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(handler);
    }
}
