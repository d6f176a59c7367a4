using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;
using ResourceKit.Caching.Disk;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class CacheMaintenanceLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-cachemaint-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_ExpiredDiskEntries_PurgesThemAndKeepsFreshOnes()
    {
        // The store's own cleanup timer is pushed out of the way, so only the loop purges.
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--ResourceKit:Caching:Disk:CleanupInterval", "01:00:00");
        var cache = host.Services.GetRequiredService<TieredCache>();
        var disk = host.Services.GetRequiredService<DiskCacheStore>();
        var loop = host.Services.GetRequiredService<CacheMaintenanceLoop>();
        await cache.SetAsync("page:a", "old a", CachePolicyNames.BrowserPages);
        await cache.SetAsync("page:b", "old b", CachePolicyNames.BrowserPages);
        host.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(1)); // past the five-minute TTL of browser pages
        await cache.SetAsync("page:c", "fresh", CachePolicyNames.BrowserPages);
        var before = disk.Statistics.Entries;

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Purged, Is.EqualTo(2));
        Assert.That(disk.Statistics.Entries, Is.EqualTo(before - 2));
        Assert.That((await cache.TryGetAsync<string>("page:c", CachePolicyNames.BrowserPages)).Value, Is.EqualTo("fresh"));

        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(loop.Purged, Is.EqualTo(2), "nothing more has expired");
    }
}
