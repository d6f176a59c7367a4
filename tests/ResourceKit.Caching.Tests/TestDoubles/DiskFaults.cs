using ResourceKit.Caching.Disk;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>Disk failures that happen to a real <see cref="DiskCacheStore"/>, whatever the user running the tests.</summary>
internal static class DiskFaults
{
    /// <summary>
    /// Makes every write fail with an I/O error, even for root (who ignores permissions): the temp folder becomes a
    /// file, which the store can neither write into nor recreate as a folder.
    /// </summary>
    public static void BreakTempFolder(DiskCacheStore store)
    {
        var temp = Path.Combine(store.RootDirectory, "tmp");
        Directory.Delete(temp, recursive: true);
        File.WriteAllText(temp, "not a folder");
    }
}
