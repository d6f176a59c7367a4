using System.Diagnostics;
using System.Globalization;

namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>
/// The <c>replay</c> mode of the benchmarks app: replays the shared traces through ResourceKit's
/// TinyLfuCache, BitFaster's ConcurrentLfu and ConcurrentLru and MemoryCache at several capacities,
/// with LRU and Belady's OPT as references, and prints hit ratios as a Markdown table.
/// <code>
/// dotnet run -c Release --project benchmarks/ResourceKit.Benchmarks -- replay [--traces DIR] [--max-requests N] [--trace NAME] [--relabel N]
/// </code>
/// All caches are driven from one thread with deterministic maintenance, so the numbers repeat
/// exactly (MemoryCache excepted: it compacts on the thread pool). With <c>--relabel N</c> it then
/// replays ResourceKit and ConcurrentLfu again over N one-to-one renamings of each trace's keys
/// (<see cref="KeyRelabelling"/>) and prints, per pair, the mean difference with its standard error
/// and how many labellings each policy won, which separates a policy's advantage from hash luck.
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
        var relabellings = int.Parse(Option(args, "--relabel") ?? "0", CultureInfo.InvariantCulture);
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
        var relabelled = new List<string>();
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
                if (relabellings > 0)
                {
                    relabelled.Add(CompareOverLabellings(file, trace, capacity, relabellings));
                }

                Console.Error.WriteLine($"  {file} @ {capacity}: {watch.Elapsed.TotalSeconds:F1} s");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Mean distance to OPT: ResourceKit {gapRk.DefaultIfEmpty().Average() * 100:F2} pp, BitFaster ConcurrentLfu {gapBf.DefaultIfEmpty().Average() * 100:F2} pp.");
        if (relabelled.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"ResourceKit − BitFaster ConcurrentLfu over {relabellings} relabellings of the keys (both caches replay the same renamed trace):");
            Console.WriteLine();
            Console.WriteLine("| trace | capacity | mean RK − BF Lfu | standard error | RK ahead | tied | BF Lfu ahead |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            relabelled.ForEach(Console.WriteLine);
        }

        return 0;
    }

    /// <summary>Replays ResourceKit and ConcurrentLfu over <paramref name="count"/> renamings of the trace; returns a table row.</summary>
    private static string CompareOverLabellings(string file, long[] trace, int capacity, int count)
    {
        var differences = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Seeds 1..count: the same labellings on every run, so the table repeats.
            var renamed = KeyRelabelling.Apply(trace, (ulong)(i + 1) * 0x9E3779B97F4A7C15UL);
            differences[i] = Replay(renamed, Caches[0].Create(capacity)) - Replay(renamed, Caches[2].Create(capacity));
        }

        var mean = differences.Average();
        var standardError = count > 1 ? Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (count - 1) / count) : double.NaN;
        return $"| {file} | {capacity:N0} | {mean * 100:+0.000;-0.000} pp | {standardError * 100:0.000} pp | " +
            $"{differences.Count(d => d > 0)} | {differences.Count(d => d == 0)} | {differences.Count(d => d < 0)} |";
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
