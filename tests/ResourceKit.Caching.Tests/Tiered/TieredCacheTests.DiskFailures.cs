using System.Runtime.Versioning;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>Writes that fail on disk must not leave the value they replace to be read back.</summary>
public sealed partial class TieredCacheTests
{
    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public async Task SetAsync_DiskFolderReadOnly_OlderValueNeverComesBack()
    {
        Assume.That(Environment.IsPrivilegedProcess, Is.False, "root ignores folder permissions; the next test covers root");
        using var cache = Create(distributed: false);
        await cache.SetAsync("k", "v1");
        var temp = Path.Combine(_disk.RootDirectory, "tmp");
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            await cache.SetAsync("k", "v2");
            cache.ClearMemory();

            var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh"));

            Assert.That(value, Is.AnyOf("v2", "fresh"));
        }
        finally
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Test]
    public async Task SetAsync_DiskWriteFails_OlderValueNeverComesBack()
    {
        using var cache = Create(distributed: false);
        await cache.SetAsync("k", "v1");
        DiskFaults.BreakTempFolder(_disk);

        await cache.SetAsync("k", "v2");
        cache.ClearMemory();
        var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh"));

        Assert.That(value, Is.AnyOf("v2", "fresh"));
    }

    [Test]
    public async Task SetAsync_CustomDiskStoreThrows_OlderValueNeverComesBack()
    {
        var disk = new WriteFailingStore(_disk);
        using var cache = Create(distributed: false, diskStore: disk);
        await cache.SetAsync("k", "v1");
        disk.FailWrites = true;

        await cache.SetAsync("k", "v2");
        cache.ClearMemory();
        var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh"));

        Assert.That(value, Is.AnyOf("v2", "fresh"));
    }
}
