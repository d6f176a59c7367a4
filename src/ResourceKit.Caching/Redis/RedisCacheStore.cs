using StackExchange.Redis;

namespace ResourceKit.Caching.Redis;

/// <summary>
/// The Redis L3 tier: values live under the full key (application and tenant prefix included) with the
/// expiry set on the server, so Redis forgets them even if no host ever reads them again.
/// </summary>
/// <remarks>
/// Failures surface as exceptions (connection lost, timeout) so that <see cref="TieredCache"/> can count them
/// and open its circuit breaker; configure the multiplexer with <c>AbortOnConnectFail = false</c> and
/// <c>BacklogPolicy.FailFast</c> (as <see cref="RedisConnectionFactory"/> does) so an outage fails fast.
/// </remarks>
/// <param name="connection">The connection; the caller owns it.</param>
/// <param name="timeProvider">The clock that turns absolute expiries into server TTLs.</param>
public sealed class RedisCacheStore(IConnectionMultiplexer connection, TimeProvider? timeProvider = null) : IBinaryCacheStore
{
    private readonly IConnectionMultiplexer _connection = connection ?? throw new ArgumentNullException(nameof(connection));
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await _connection.GetDatabase().StringGetAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var ttl = absoluteExpiration - _timeProvider.GetUtcNow();
        var database = _connection.GetDatabase();
        if (ttl <= TimeSpan.Zero)
        {
            await database.KeyDeleteAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // Millisecond TTLs below one are rounded up: Redis rejects a zero expiry.
        var expiry = ttl < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : ttl;
        await database.StringSetAsync(key, value, expiry).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        await _connection.GetDatabase().KeyDeleteAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
