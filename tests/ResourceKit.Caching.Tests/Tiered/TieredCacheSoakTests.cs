using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

public sealed class TieredCacheSoakTests
{
    [Test]
    public async Task MixedOperations_ManyThreads_KeepEveryTierConsistent()
    {
        using var folder = new TemporaryDirectory();
        var time = new FakeTimeProvider();
        using var disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = folder.Path, MaximumSizeBytes = 256 * 1024 }, time);
        var l3 = new MemoryBinaryStore(time);
        var options = new TieredCacheOptions { EnableFailSafe = true };
        options.Memory.Capacity = 32;
        using var cache = new TieredCache(options, disk, l3, timeProvider: time);
        string[] policies = [CachePolicyNames.Embeddings, CachePolicyNames.LlmResponses, CachePolicyNames.BrowserPages];

        await Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var key = $"key-{i % 64}";
            var policy = policies[i % 64 % policies.Length];
            switch (i % 4)
            {
                case 0:
                    await cache.SetAsync(key, key + "-set", policy, ct);
                    break;
                case 1:
                    await cache.RemoveAsync(key, ct);
                    break;
                default:
                    var value = await cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(key + "-made"), policy, ct);
                    Assert.That(value, Does.StartWith(key + "-"));
                    break;
            }
        });

        var statistics = disk.Statistics;
        Assert.That(statistics.Bytes, Is.EqualTo(Directory.GetFiles(disk.RootDirectory, "*.rkc", SearchOption.AllDirectories).Sum(f => SizeOnDisk(new FileInfo(f).Length))), "bytes count whole 4 KiB allocation units");
        Assert.That(statistics.CorruptRecords, Is.Zero);
        for (var k = 0; k < 64; k++)
        {
            var result = await cache.TryGetAsync<string>($"key-{k}", policies[k % policies.Length]);
            Assert.That(!result.HasValue || result.Value!.StartsWith($"key-{k}-", StringComparison.Ordinal), Is.True);
        }
    }

    private static long SizeOnDisk(long length) => (length + DiskCacheStoreOptions.DefaultAllocationUnitBytes - 1) / DiskCacheStoreOptions.DefaultAllocationUnitBytes * DiskCacheStoreOptions.DefaultAllocationUnitBytes;
}
