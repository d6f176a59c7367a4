using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Adapters;

public sealed class DiskMetricSourceTests
{
    [Test]
    public async Task CollectAsync_FolderNotCreatedYet_ReportsItsFileSystemAsDriveInfoSeesIt()
    {
        // A folder the disk tier has not created yet: its nearest existing parent names the file system.
        var folder = Path.Combine(Path.GetTempPath(), "resourcekit-disk-metric-" + Guid.NewGuid().ToString("N"), "cache");
        var readings = new List<MetricReading>();

        await new DiskMetricSource(folder).CollectAsync(readings);

        var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(folder)! : Path.GetTempPath());
        var percent = readings.Single(r => r.Metric == MetricNames.DiskPercent);
        Assert.That(percent.Component, Is.EqualTo(ComponentNames.System));
        Assert.That(percent.Value, Is.InRange(0, 100));

        // Other processes write to the same file system meanwhile, so compare within a margin rather than exactly.
        var expected = (1 - ((double)drive.AvailableFreeSpace / drive.TotalSize)) * 100;
        Assert.That(percent.Value, Is.EqualTo(expected).Within(1.0));
        Assert.That(readings.Single(r => r.Metric == "disk_free_bytes").Value, Is.GreaterThan(0));
    }

    [Test]
    public void Constructor_EmptyPath_Throws() =>
        Assert.That(() => new DiskMetricSource(""), Throws.ArgumentException);
}
