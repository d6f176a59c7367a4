using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>The caches every suite compares, each bounded to the same number of entries.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="capacity">The capacity in entries.</param>
public abstract class CacheSuite<TKey>(int capacity)
    where TKey : notnull
{
    protected static readonly MemoryCacheEntryOptions SizeOne = new() { Size = 1 };

    protected ConcurrentDictionary<TKey, int> Dictionary { get; } = new();

    protected TinyLfuCache<TKey, int> TinyLfu { get; } = new(new TinyLfuCacheOptions<TKey, int> { Capacity = capacity });

    /// <summary>Gets ResourceKit's cache counting hits and misses, as BitFaster's caches always do (off by default, as in MemoryCache).</summary>
    protected TinyLfuCache<TKey, int> TinyLfuCounting { get; } = new(new TinyLfuCacheOptions<TKey, int> { Capacity = capacity, CountHitsAndMisses = true });

    protected ConcurrentLfu<TKey, int> Lfu { get; } = new(capacity);

    protected ConcurrentLru<TKey, int> Lru { get; } = new(capacity);

    protected MemoryCache Memory { get; } = new(new MemoryCacheOptions { SizeLimit = capacity });

    [GlobalCleanup]
    public void Cleanup()
    {
        TinyLfu.Dispose();
        TinyLfuCounting.Dispose();
        Memory.Dispose();
    }
}
