using System.Collections.Concurrent;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>An L3 stand-in that honours expiry on the given clock and can be made to fail like an unreachable server.</summary>
internal sealed class MemoryBinaryStore(TimeProvider timeProvider) : IBinaryCacheStore
{
    private readonly ConcurrentDictionary<string, (byte[] Value, DateTimeOffset Expires)> _entries = new();
    private int _calls;

    public bool Failing { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyCollection<string> Keys => _entries.Keys.ToArray();

    public bool Contains(string fullKey) => _entries.TryGetValue(fullKey, out var e) && e.Expires > timeProvider.GetUtcNow();

    public void Put(string fullKey, byte[] value, DateTimeOffset expires) => _entries[fullKey] = (value, expires);

    public byte[] Raw(string fullKey) => _entries[fullKey].Value;

    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Touch();
        return ValueTask.FromResult(_entries.TryGetValue(key, out var e) && e.Expires > timeProvider.GetUtcNow() ? e.Value : null);
    }

    public ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
    {
        Touch();
        _entries[key] = (value.ToArray(), absoluteExpiration);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        Touch();
        _entries.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    private void Touch()
    {
        Interlocked.Increment(ref _calls);
        if (Failing)
        {
            throw new IOException("The test store is unreachable.");
        }
    }
}
