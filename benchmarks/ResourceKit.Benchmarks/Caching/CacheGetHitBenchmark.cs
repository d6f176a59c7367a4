using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>A lookup that hits: the hot path of every cache. ConcurrentDictionary is the floor.</summary>
[MemoryDiagnoser]
public class CacheGetHitBenchmark
{
    private const int Capacity = 1_000;
    private const int Key = 42;
    private readonly ConcurrentDictionary<int, int> _dictionary = new();
    private readonly TinyLfuCache<int, int> _resourceKit = BenchmarkCaches.ResourceKit(Capacity);
    private readonly ConcurrentLfu<int, int> _lfu = BenchmarkCaches.BitFasterLfu(Capacity);
    private readonly ConcurrentLru<int, int> _lru = BenchmarkCaches.BitFasterLru(Capacity);
    private readonly MemoryCache _memoryCache = BenchmarkCaches.MemoryCache(Capacity);

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Capacity / 2; i++)
        {
            _dictionary[i] = i;
            _resourceKit.Set(i, i);
            _lfu.AddOrUpdate(i, i);
            _lru.AddOrUpdate(i, i);
            _memoryCache.Set(i, i, BenchmarkCaches.SizeOne);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resourceKit.Dispose();
        _memoryCache.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int ConcurrentDictionary() => _dictionary.TryGetValue(Key, out var value) ? value : -1;

    [Benchmark]
    public int ResourceKit() => _resourceKit.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLfu() => _lfu.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLru() => _lru.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int MemoryCache() => _memoryCache.TryGetValue(Key, out int value) ? value : -1;
}
