using System.Globalization;
using System.IO.Compression;

namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>
/// Guards the policy against regressions with a hit-ratio floor on a prefix of a real trace
/// (../shared/traces beside the repository). The floors sit a little under today's results and
/// well above BitFaster's ConcurrentLfu (43.4 % and 53.6 %) and LRU (30.0 % and 44.6 %) on the
/// same prefix; see benchmarks/RESULTS.md.
/// </summary>
public sealed class TinyLfuCacheHitRatioTests
{
    private const int PrefixLength = 20_000;

    [TestCase(500, 0.45)]
    [TestCase(1_000, 0.54)]
    public void Replay_Multi2Prefix_StaysAboveFloor(int capacity, double floor)
    {
        var trace = ReadPrefix("multi2.trace.gz");
        using var cache = TestCaches.Create<long, long>(capacity);
        var hits = 0;
        foreach (var key in trace)
        {
            if (cache.TryGet(key, out _))
            {
                hits++;
            }
            else
            {
                cache.Set(key, key);
            }
        }

        Assert.That((double)hits / trace.Count, Is.GreaterThanOrEqualTo(floor));
    }

    private static List<long> ReadPrefix(string name)
    {
        var path = FindTrace(name);
        if (path is null)
        {
            Assert.Ignore($"Trace {name} not found in <repo>/../shared/traces; the hit-ratio floor needs it.");
        }

        var keys = new List<long>(PrefixLength);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path!), CompressionMode.Decompress));
        while (keys.Count < PrefixLength && reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '*')
            {
                keys.Add(long.Parse(line, CultureInfo.InvariantCulture));
            }
        }

        return keys;
    }

    private static string? FindTrace(string name)
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ResourceKit.sln")))
            {
                var path = Path.Combine(directory.FullName, "..", "shared", "traces", name);
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }
}
