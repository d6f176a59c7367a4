namespace ResourceKit.Caching;

/// <summary>
/// A tier below memory that stores opaque bytes under a string key until an absolute expiry:
/// the local disk (L2) or a distributed store (L3). <see cref="TieredCache"/> does the serialization,
/// compression and framing, so a store only moves bytes.
/// </summary>
/// <remarks>
/// A store that reaches over the network reports failures by throwing, so that the tiered cache can
/// count them and open its circuit breaker; a local store handles its own I/O faults and answers a miss.
/// </remarks>
public interface IBinaryCacheStore
{
    /// <summary>Reads the bytes stored under <paramref name="key"/>.</summary>
    /// <param name="key">The full key, already prefixed with application and tenant.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, or <see langword="null"/> when the key is absent or expired.</returns>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> until <paramref name="absoluteExpiration"/>.</summary>
    /// <param name="key">The full key.</param>
    /// <param name="value">The bytes to store.</param>
    /// <param name="absoluteExpiration">When the store may forget the value; stores honour it across restarts.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the value is stored.</returns>
    ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default);

    /// <summary>Removes the value stored under <paramref name="key"/>, if any.</summary>
    /// <param name="key">The full key.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the value is gone.</returns>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);
}
