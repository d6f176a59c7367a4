using System.IO.Compression;

namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>Reads the shared cache traces (see ../shared/traces/README.md) into an array of keys.</summary>
internal static class TraceFile
{
    /// <summary>Reads at most <paramref name="maxRequests"/> requests of a gzip trace, ARC <c>.lis</c> or one key per line.</summary>
    public static long[] Read(string path, int maxRequests)
    {
        var arc = path.EndsWith(".lis.gz", StringComparison.OrdinalIgnoreCase);
        var keys = new List<long>();
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        while (keys.Count < maxRequests && reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '*')
            {
                continue;
            }

            if (!arc)
            {
                keys.Add(long.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }

            // START COUNT IGNORED REQNO: the COUNT consecutive keys from START.
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var start = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            var count = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < count && keys.Count < maxRequests; i++)
            {
                keys.Add(start + i);
            }
        }

        return [.. keys];
    }

    /// <summary>Finds <c>../shared/traces</c> beside the repository root (the folder holding ResourceKit.sln).</summary>
    public static string? FindTracesFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ResourceKit.sln")))
            {
                var traces = Path.Combine(directory.FullName, "..", "shared", "traces");
                return Directory.Exists(traces) ? Path.GetFullPath(traces) : null;
            }
        }

        return null;
    }
}
