using System.Diagnostics;
using System.Globalization;

namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>
/// The <c>replay</c> mode of the benchmarks app: replays the shared traces through ResourceKit's
/// TinyLfuCache, BitFaster's ConcurrentLfu and ConcurrentLru and MemoryCache at several capacities,
/// with LRU and Belady's OPT as references, and prints hit ratios as a Markdown table.
/// <code>
/// dotnet run -c Release --project benchmarks/ResourceKit.Benchmarks -- replay [--traces DIR] [--max-requests N] [--trace NAME]
/// </code>
/// All caches are driven from one thread with deterministic maintenance, so the numbers repeat
/// exactly (MemoryCache excepted: it compacts on the thread pool).
/// </summary>
internal static class TraceReplay
{
    private const int DefaultMaxRequests = 2_000_000;

    // Capacities in entries per trace: small, medium and large against each trace's working set.
    private static readonly Dictionary<string, int[]> Capacities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["loop.trace.gz"] = [256, 512, 800],
        ["multi2.trace.gz"] = [500, 1_000, 2_000],
        ["sprite.trace.gz"] = [100, 500, 1_000],
        ["2_pools.trace.gz"] = [100, 500, 1_000],
        ["P3.lis.gz"] = [10_000, 50_000, 100_000],
        ["P12.lis.gz"] = [10_000, 50_000, 100_000],
    };

    private static readonly (string Name, Func<int, IReplayCache> Create)[] Caches =
    [
        ("ResourceKit", capacity => new TinyLfuReplayCache(capacity, adaptive: true)),
        ("RK fixed 1%", capacity => new TinyLfuReplayCache(capacity, adaptive: false)),
        ("BitFaster Lfu", BitFasterReplayCache.Lfu),
        ("BitFaster Lru", BitFasterReplayCache.Lru),
        ("MemoryCache", capacity => new MemoryCacheReplayCache(capacity)),
        ("LRU", capacity => new LruReplayCache(capacity)),
    ];

    public static int Run(string[] args)
    {
        var folder = Option(args, "--traces") ?? TraceFile.FindTracesFolder();
        var maxRequests = int.Parse(Option(args, "--max-requests") ?? DefaultMaxRequests.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var only = Option(args, "--trace");
        if (folder is null || !Directory.Exists(folder))
        {
            Console.Error.WriteLine("Trace folder not found; pass --traces <dir> (expected <repo>/../shared/traces).");
            return 1;
        }

        Console.WriteLine($"Traces: {folder}; at most {maxRequests:N0} requests per trace.");
        Console.WriteLine();
        Console.WriteLine($"| trace | requests | capacity | OPT | {string.Join(" | ", Caches.Select(c => c.Name))} | RK − BF Lfu |");
        Console.WriteLine($"|---|---:|---:|---:|{string.Concat(Enumerable.Repeat("---:|", Caches.Length))}---:|");
        var gapRk = new List<double>();
        var gapBf = new List<double>();
        foreach (var file in Capacities.Keys.Where(name => only is null || name.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                continue;
            }

            var trace = TraceFile.Read(path, maxRequests);
            foreach (var capacity in Capacities[file])
            {
                var watch = Stopwatch.StartNew();
                var opt = (double)BeladyOptimal.Hits(trace, capacity) / trace.Length;
                var ratios = Caches.Select(c => Replay(trace, c.Create(capacity))).ToArray();
                gapRk.Add(opt - ratios[0]);
                gapBf.Add(opt - ratios[2]);
                Console.WriteLine(
                    $"| {file} | {trace.Length:N0} | {capacity:N0} | {Percent(opt)} | {string.Join(" | ", ratios.Select(Percent))} | " +
                    $"{(ratios[0] - ratios[2]) * 100:+0.00;-0.00} pp |");
                Console.Error.WriteLine($"  {file} @ {capacity}: {watch.Elapsed.TotalSeconds:F1} s");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Mean distance to OPT: ResourceKit {gapRk.DefaultIfEmpty().Average() * 100:F2} pp, BitFaster ConcurrentLfu {gapBf.DefaultIfEmpty().Average() * 100:F2} pp.");
        return 0;
    }

    private static double Replay(long[] trace, IReplayCache cache)
    {
        using (cache)
        {
            long hits = 0;
            foreach (var key in trace)
            {
                hits += cache.Request(key) ? 1 : 0;
            }

            return (double)hits / trace.Length;
        }
    }

    private static string Percent(double ratio) => (ratio * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
