using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>A lookup that hits: the hot path of every cache. ConcurrentDictionary is the floor.</summary>
[MemoryDiagnoser]
public class CacheGetHitBenchmark() : CacheSuite<int>(Capacity)
{
    private const int Capacity = 1_000;
    private const int Key = 42;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Capacity / 2; i++)
        {
            Dictionary[i] = i;
            TinyLfu.Set(i, i);
            Lfu.AddOrUpdate(i, i);
            Lru.AddOrUpdate(i, i);
            Memory.Set(i, i, SizeOne);
        }
    }

    [Benchmark(Baseline = true)]
    public int ConcurrentDictionary() => Dictionary.TryGetValue(Key, out var value) ? value : -1;

    [Benchmark]
    public int ResourceKit() => TinyLfu.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLfu() => Lfu.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLru() => Lru.TryGet(Key, out var value) ? value : -1;

    [Benchmark]
    public int MemoryCache() => Memory.TryGetValue(Key, out int value) ? value : -1;
}
