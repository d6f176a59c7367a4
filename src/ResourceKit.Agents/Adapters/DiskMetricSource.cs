using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// Reports how full the file system holding a folder is, as <c>disk_percent</c> (used ÷ total, the seed's 80/90/95 %
/// thresholds), with the free bytes beside it. The host points it at the disk cache's folder: a full disk is what stops
/// the L2 tier and the spend journal from writing.
/// </summary>
public sealed class DiskMetricSource : IHealthMetricSource
{
    private readonly string _path;

    /// <summary>Initializes a new instance of the <see cref="DiskMetricSource"/> class.</summary>
    /// <param name="path">A folder on the file system to watch; it need not be a mount point.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public DiskMetricSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
    }

    /// <inheritdoc />
    /// <exception cref="IOException">The file system cannot be read (the monitor logs it and leaves this source out of the sample).</exception>
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);

        // On Unix DriveInfo asks statvfs about the path itself, so any folder names its file system; on Windows the
        // drive is the path's root.
        var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(_path)! : NearestExistingFolder(_path));
        var total = drive.TotalSize;
        if (total > 0)
        {
            var free = drive.AvailableFreeSpace;
            readings.Add(new MetricReading(ComponentNames.System, MetricNames.DiskPercent, (1 - ((double)free / total)) * 100));
            readings.Add(new MetricReading(ComponentNames.System, "disk_free_bytes", free));
        }

        return ValueTask.CompletedTask;
    }

    // The folder may not exist yet (the disk tier creates it on first use); its nearest existing parent is on the same
    // file system unless a mount point is created in between, which a host does not do under its own cache folder.
    private static string NearestExistingFolder(string path)
    {
        var folder = path;
        while (!Directory.Exists(folder) && Path.GetDirectoryName(folder) is { Length: > 0 } parent)
        {
            folder = parent;
        }

        return folder;
    }
}
