using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A lookup that misses followed by an insert of a new key into a full cache, so every operation
/// also pays for an eviction. The dictionary baseline removes the key inserted
/// <see cref="Capacity"/> operations earlier to stay bounded.
/// </summary>
[MemoryDiagnoser]
public class CacheMissThenAddBenchmark() : CacheSuite<int>(Capacity)
{
    private const int Capacity = 1_000;
    private int _next;

    [Benchmark(Baseline = true)]
    public void ConcurrentDictionary()
    {
        var key = ++_next;
        if (!Dictionary.TryGetValue(key, out _))
        {
            Dictionary[key] = key;
            Dictionary.TryRemove(key - Capacity, out _);
        }
    }

    [Benchmark]
    public void ResourceKit()
    {
        var key = ++_next;
        if (!TinyLfu.TryGet(key, out _))
        {
            TinyLfu.Set(key, key);
        }
    }

    [Benchmark]
    public void BitFasterConcurrentLfu()
    {
        var key = ++_next;
        if (!Lfu.TryGet(key, out _))
        {
            Lfu.AddOrUpdate(key, key);
        }
    }

    [Benchmark]
    public void BitFasterConcurrentLru()
    {
        var key = ++_next;
        if (!Lru.TryGet(key, out _))
        {
            Lru.AddOrUpdate(key, key);
        }
    }

    [Benchmark]
    public void MemoryCache()
    {
        var key = ++_next;
        if (!Memory.TryGetValue(key, out _))
        {
            Memory.Set(key, key, SizeOne);
        }
    }
}
