using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A Zipf-distributed (exponent 0.9) workload over 100,000 keys against caches of 10,000 entries:
/// 90 % lookups, 10 % writes, split across 1, 2 or 4 threads. The reported time is per operation,
/// so lower is higher throughput.
/// </summary>
[MemoryDiagnoser]
public class CacheZipfMixBenchmark() : CacheSuite<int>(Capacity)
{
    private const int Capacity = 10_000;
    private const int KeySpace = 100_000;
    private const int Operations = 400_000;
    private int[][] _keys = [];

    [Params(1, 2, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, Threads).Select(t => ZipfKeys.Generate(Operations / Threads, KeySpace, 0.9, 17 + t))];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public void ConcurrentDictionary() => Run((key, write) =>
    {
        if (write)
        {
            Dictionary[key] = key;
        }
        else
        {
            Dictionary.TryGetValue(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ResourceKit() => RunTinyLfu(TinyLfu);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ResourceKitCountingHits() => RunTinyLfu(TinyLfuCounting);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void BitFasterConcurrentLfu() => Run((key, write) =>
    {
        if (write)
        {
            Lfu.AddOrUpdate(key, key);
        }
        else
        {
            Lfu.TryGet(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void BitFasterConcurrentLru() => Run((key, write) =>
    {
        if (write)
        {
            Lru.AddOrUpdate(key, key);
        }
        else
        {
            Lru.TryGet(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void MemoryCache() => Run((key, write) =>
    {
        if (write)
        {
            Memory.Set(key, key, SizeOne);
        }
        else
        {
            Memory.TryGetValue(key, out _);
        }
    });

    private void RunTinyLfu(ResourceKit.Caching.TinyLfuCache<int, int> cache) => Run((key, write) =>
    {
        if (write)
        {
            cache.Set(key, key);
        }
        else
        {
            cache.TryGet(key, out _);
        }
    });

    private void Run(Action<int, bool> operation)
    {
        if (Threads == 1)
        {
            Loop(_keys[0], operation);
            return;
        }

        var workers = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            var keys = _keys[t];
            workers[t] = new Thread(() => Loop(keys, operation));
            workers[t].Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }
    }

    // Every tenth operation writes; the rest read.
    private static void Loop(int[] keys, Action<int, bool> operation)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            operation(keys[i], i % 10 == 0);
        }
    }
}
