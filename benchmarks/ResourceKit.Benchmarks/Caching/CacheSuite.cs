using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>The caches every suite compares, each bounded to the same number of entries.</summary>
/// <param name="capacity">The capacity in entries.</param>
public abstract class CacheSuite(int capacity)
{
    protected static readonly MemoryCacheEntryOptions SizeOne = new() { Size = 1 };

    protected ConcurrentDictionary<int, int> Dictionary { get; } = new();

    protected TinyLfuCache<int, int> TinyLfu { get; } = new(new TinyLfuCacheOptions<int, int> { Capacity = capacity });

    protected ConcurrentLfu<int, int> Lfu { get; } = new(capacity);

    protected ConcurrentLru<int, int> Lru { get; } = new(capacity);

    protected MemoryCache Memory { get; } = new(new MemoryCacheOptions { SizeLimit = capacity });

    [GlobalCleanup]
    public void Cleanup()
    {
        TinyLfu.Dispose();
        Memory.Dispose();
    }
}
