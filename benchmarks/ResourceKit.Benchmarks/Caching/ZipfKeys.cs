using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching;

/// <summary>Builds the caches the suites compare, each bounded to the same number of entries.</summary>
internal static class BenchmarkCaches
{
    public static readonly MemoryCacheEntryOptions SizeOne = new() { Size = 1 };

    public static TinyLfuCache<int, int> ResourceKit(int capacity) =>
        new(new TinyLfuCacheOptions<int, int> { Capacity = capacity });

    public static ConcurrentLfu<int, int> BitFasterLfu(int capacity) => new(capacity);

    public static ConcurrentLru<int, int> BitFasterLru(int capacity) => new(capacity);

    public static MemoryCache MemoryCache(int capacity) => new(new MemoryCacheOptions { SizeLimit = capacity });

    /// <summary>Keys drawn from a Zipf distribution (exponent <paramref name="skew"/>) over <paramref name="keySpace"/> keys.</summary>
    public static int[] ZipfKeys(int count, int keySpace, double skew, int seed)
    {
        var cumulative = new double[keySpace];
        var sum = 0.0;
        for (var i = 0; i < keySpace; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, skew);
            cumulative[i] = sum;
        }

        var random = new Random(seed);
        var keys = new int[count];
        for (var i = 0; i < count; i++)
        {
            var index = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            keys[i] = index >= 0 ? index : Math.Min(~index, keySpace - 1);
        }

        return keys;
    }
}
