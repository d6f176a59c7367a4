using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

public sealed class DirectorySyncTests
{
    [Test]
    public void TryFlush_ExistingDirectoryOnUnix_Flushes()
    {
        var directory = Directory.CreateTempSubdirectory("rk-dirsync-").FullName;
        try
        {
            Assert.That(DirectorySync.TryFlush(directory), Is.EqualTo(!OperatingSystem.IsWindows()));
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Test]
    public void TryFlush_MissingDirectory_ReturnsFalseWithoutThrowing()
    {
        var missing = Path.Combine(Path.GetTempPath(), "rk-dirsync-missing-" + Guid.NewGuid().ToString("N"));

        Assert.That(DirectorySync.TryFlush(missing), Is.False);
    }
}
