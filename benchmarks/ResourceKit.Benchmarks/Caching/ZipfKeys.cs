namespace ResourceKit.Benchmarks.Caching;

/// <summary>Workload generators for the cache suites.</summary>
internal static class ZipfKeys
{
    /// <summary>Keys drawn from a Zipf distribution (exponent <paramref name="skew"/>) over <paramref name="keySpace"/> keys.</summary>
    public static int[] Generate(int count, int keySpace, double skew, int seed)
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
