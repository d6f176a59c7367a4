using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A lookup that hits: the hot path of every cache. ConcurrentDictionary is the floor. With integer keys the lookup is
/// as cheap as it gets, so the suite shows each cache's own overhead; with string keys it is keyed the way an LLM
/// response cache is, by a 32-digit hex digest (what <c>LlmCacheKeyBuilder</c> produces with XxHash128) looked up
/// through a string instance other than the stored one, so hashing and comparing the key are part of every lookup.
/// </summary>
/// <typeparam name="TKey"><see cref="int"/> or <see cref="string"/>.</typeparam>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(int))]
[GenericTypeArguments(typeof(string))]
public class CacheGetHitBenchmark<TKey>() : CacheSuite<TKey>(Capacity)
    where TKey : notnull
{
    private const int Capacity = 1_000;
    private TKey _key = default!;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Capacity / 2; i++)
        {
            var key = KeyFor(i);
            Dictionary[key] = i;
            TinyLfu.Set(key, i);
            TinyLfuCounting.Set(key, i);
            Lfu.AddOrUpdate(key, i);
            Lru.AddOrUpdate(key, i);
            Memory.Set(key, i, SizeOne);
        }

        _key = KeyFor(42);
    }

    [Benchmark(Baseline = true)]
    public int ConcurrentDictionary() => Dictionary.TryGetValue(_key, out var value) ? value : -1;

    [Benchmark]
    public int ResourceKit() => TinyLfu.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int ResourceKitCountingHits() => TinyLfuCounting.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLfu() => Lfu.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int BitFasterConcurrentLru() => Lru.TryGet(_key, out var value) ? value : -1;

    [Benchmark]
    public int MemoryCache() => Memory.TryGetValue(_key, out int value) ? value : -1;

    // Every call builds a new string, so the lookup key is never the stored instance (equality is a full comparison).
    private static TKey KeyFor(int i) => typeof(TKey) == typeof(int)
        ? (TKey)(object)i
        : (TKey)(object)Convert.ToHexStringLower(XxHash128.Hash(BitConverter.GetBytes(i)));
}
