using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A lookup that hits: the hot path of every cache. ConcurrentDictionary is the floor. With integer keys the lookup is
/// as cheap as it gets, so the suite shows each cache's own overhead; with string keys it is keyed the way an LLM
/// response cache is, by a 64-digit hex digest (what <c>LlmCacheKeyBuilder</c> produces with its default, SHA-256) looked up
/// through a string instance other than the stored one, so hashing and comparing the key are part of every lookup.
/// </summary>
/// <remarks>
/// Each invocation makes <see cref="LookupsPerInvoke"/> lookups, cycling through <see cref="HotKeys"/> distinct cached
/// keys: one key is the best case (one node, always in the L1 data cache), 500 keys spread the reads over half the
/// cache. A single lookup is about a nanosecond, less than BenchmarkDotNet's per-invocation overhead, so measuring one
/// per invocation left the result mostly overhead subtracted from overhead; a thousand per invocation amortizes it.
/// </remarks>
/// <typeparam name="TKey"><see cref="int"/> or <see cref="string"/>.</typeparam>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(int))]
[GenericTypeArguments(typeof(string))]
public class CacheGetHitBenchmark<TKey>() : CacheSuite<TKey>(Capacity)
    where TKey : notnull
{
    private const int Capacity = 1_000;
    private const int LookupsPerInvoke = 1_000;
    private TKey[] _keys = [];

    /// <summary>Gets or sets how many distinct cached keys the lookups cycle through.</summary>
    [Params(1, 500)]
    public int HotKeys { get; set; }

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

        // With one hot key, it is key 42 (as before this suite looped); with 500, every cached key twice.
        _keys = new TKey[LookupsPerInvoke];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = KeyFor(HotKeys == 1 ? 42 : i % HotKeys);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = LookupsPerInvoke)]
    public int ConcurrentDictionary()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += Dictionary.TryGetValue(key, out var value) ? value : -1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int ResourceKit()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += TinyLfu.TryGet(key, out var value) ? value : -1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int ResourceKitCountingHits()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += TinyLfuCounting.TryGet(key, out var value) ? value : -1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int BitFasterConcurrentLfu()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += Lfu.TryGet(key, out var value) ? value : -1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int BitFasterConcurrentLru()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += Lru.TryGet(key, out var value) ? value : -1;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int MemoryCache()
    {
        var sum = 0;
        foreach (var key in _keys)
        {
            sum += Memory.TryGetValue(key, out int value) ? value : -1;
        }

        return sum;
    }

    // Every call builds a new string, so the lookup key is never the stored instance (equality is a full comparison).
    private static TKey KeyFor(int i) => typeof(TKey) == typeof(int)
        ? (TKey)(object)i
        : (TKey)(object)Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));
}
