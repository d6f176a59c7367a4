namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>A store whose writes can be made to throw while its reads and removals still work, like a full disk.</summary>
internal sealed class WriteFailingStore(IBinaryCacheStore inner) : IBinaryCacheStore
{
    public bool FailWrites { get; set; }

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default) =>
        FailWrites ? throw new IOException("The test store cannot write.") : inner.SetAsync(key, value, absoluteExpiration, cancellationToken);

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cancellationToken);
}
