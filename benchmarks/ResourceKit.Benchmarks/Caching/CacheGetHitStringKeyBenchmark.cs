using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A lookup that hits, keyed the way an LLM response cache is: a 32-digit hex digest (what <c>LlmCacheKeyBuilder</c>
/// produces with XxHash128), looked up with a string instance other than the stored one, as a freshly built key is.
/// Here hashing and comparing the key are part of every lookup, as they are in a real host; the integer-key suite
/// (<see cref="CacheGetHitBenchmark"/>) shows the cache's own overhead against the cheapest possible dictionary lookup.
/// </summary>
[MemoryDiagnoser]
public class CacheGetHitStringKeyBenchmark() : CacheSuite<string>(Capacity)
{
    private const int Capacity = 1_000;
    private string _key = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Capacity / 2; i++)
        {
            var key = Digest(i);
            Dictionary[key] = i;
            TinyLfu.Set(key, i);
            Lfu.AddOrUpdate(key, i);
            Lru.AddOrUpdate(key, i);
            Memory.Set(key, i, SizeOne);
        }

        // A different instance with the same characters: equality is a full comparison, not a reference check.
        _key = new string(Digest(42).AsSpan());
    }

    [Benchmark(Baseline = true)]
    public int ConcurrentDictionary() => Dictionary.TryGetValue(_key, out var value) ? value : -1;

    [Benchmark]
    public int ResourceKit() => TinyLfu.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLfu() => Lfu.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLru() => Lru.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int MemoryCache() => Memory.TryGetValue(_key, out int value) ? value : -1;

    private static string Digest(int i) =>
        Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash(BitConverter.GetBytes(i)));
}
