using Microsoft.Extensions.Caching.Distributed;

namespace ResourceKit.Caching;

/// <summary>
/// Uses any <see cref="IDistributedCache"/> (SQL Server, Cosmos DB, NCache, ...) as the L3 tier.
/// Pair it with a backplane of your own, or none if each host may serve stale values until they expire.
/// </summary>
/// <param name="cache">The distributed cache; the caller owns it.</param>
public sealed class DistributedCacheStore(IDistributedCache cache) : IBinaryCacheStore
{
    private readonly IDistributedCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <inheritdoc />
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return await _cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await _cache.SetAsync(key, value.ToArray(), new DistributedCacheEntryOptions { AbsoluteExpiration = absoluteExpiration }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await _cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
