using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>
/// A Zipf-distributed (exponent 0.9) workload over 100,000 keys against caches of 10,000 entries:
/// 90 % lookups, 10 % writes, split across 1, 2 or 4 threads. The reported time is per operation,
/// so lower is higher throughput.
/// </summary>
[MemoryDiagnoser]
public class CacheZipfMixBenchmark
{
    private const int Capacity = 10_000;
    private const int KeySpace = 100_000;
    private const int Operations = 400_000;
    private int[][] _keys = [];
    private ConcurrentDictionary<int, int> _dictionary = new();
    private TinyLfuCache<int, int> _resourceKit = null!;
    private ConcurrentLfu<int, int> _lfu = null!;
    private ConcurrentLru<int, int> _lru = null!;
    private MemoryCache _memoryCache = null!;

    [Params(1, 2, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, Threads).Select(t => BenchmarkCaches.ZipfKeys(Operations / Threads, KeySpace, 0.9, 17 + t))];
        _dictionary = new ConcurrentDictionary<int, int>();
        _resourceKit = BenchmarkCaches.ResourceKit(Capacity);
        _lfu = BenchmarkCaches.BitFasterLfu(Capacity);
        _lru = BenchmarkCaches.BitFasterLru(Capacity);
        _memoryCache = BenchmarkCaches.MemoryCache(Capacity);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resourceKit.Dispose();
        _memoryCache.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public void ConcurrentDictionary() => Run((key, write) =>
    {
        if (write)
        {
            _dictionary[key] = key;
        }
        else
        {
            _dictionary.TryGetValue(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ResourceKit() => Run((key, write) =>
    {
        if (write)
        {
            _resourceKit.Set(key, key);
        }
        else
        {
            _resourceKit.TryGet(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void BitFasterConcurrentLfu() => Run((key, write) =>
    {
        if (write)
        {
            _lfu.AddOrUpdate(key, key);
        }
        else
        {
            _lfu.TryGet(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void BitFasterConcurrentLru() => Run((key, write) =>
    {
        if (write)
        {
            _lru.AddOrUpdate(key, key);
        }
        else
        {
            _lru.TryGet(key, out _);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void MemoryCache() => Run((key, write) =>
    {
        if (write)
        {
            _memoryCache.Set(key, key, BenchmarkCaches.SizeOne);
        }
        else
        {
            _memoryCache.TryGetValue(key, out _);
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
