using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A lookup that misses followed by an insert of a new key into a full cache, so every operation
/// also pays for an eviction. The dictionary baseline removes the key inserted
/// <see cref="Capacity"/> operations earlier to stay bounded.
/// </summary>
[MemoryDiagnoser]
public class CacheMissThenAddBenchmark
{
    private const int Capacity = 1_000;
    private readonly ConcurrentDictionary<int, int> _dictionary = new();
    private readonly TinyLfuCache<int, int> _resourceKit = BenchmarkCaches.ResourceKit(Capacity);
    private readonly ConcurrentLfu<int, int> _lfu = BenchmarkCaches.BitFasterLfu(Capacity);
    private readonly ConcurrentLru<int, int> _lru = BenchmarkCaches.BitFasterLru(Capacity);
    private readonly MemoryCache _memoryCache = BenchmarkCaches.MemoryCache(Capacity);
    private int _next;

    [GlobalCleanup]
    public void Cleanup()
    {
        _resourceKit.Dispose();
        _memoryCache.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ConcurrentDictionary()
    {
        var key = ++_next;
        if (!_dictionary.TryGetValue(key, out _))
        {
            _dictionary[key] = key;
            _dictionary.TryRemove(key - Capacity, out _);
        }
    }

    [Benchmark]
    public void ResourceKit()
    {
        var key = ++_next;
        if (!_resourceKit.TryGet(key, out _))
        {
            _resourceKit.Set(key, key);
        }
    }

    [Benchmark]
    public void BitFasterConcurrentLfu()
    {
        var key = ++_next;
        if (!_lfu.TryGet(key, out _))
        {
            _lfu.AddOrUpdate(key, key);
        }
    }

    [Benchmark]
    public void BitFasterConcurrentLru()
    {
        var key = ++_next;
        if (!_lru.TryGet(key, out _))
        {
            _lru.AddOrUpdate(key, key);
        }
    }

    [Benchmark]
    public void MemoryCache()
    {
        var key = ++_next;
        if (!_memoryCache.TryGetValue(key, out _))
        {
            _memoryCache.Set(key, key, BenchmarkCaches.SizeOne);
        }
    }
}
