using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>A key read as another type than the one stored is a miss in every tier, never a half-filled object.</summary>
public sealed partial class TieredCacheTests
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task TryGetAsync_OtherTypeInALowerTier_IsAMissAndIsNotPromoted(bool onDisk)
    {
        using var cache = Create(disk: onDisk, distributed: !onDisk);
        var policy = onDisk ? CachePolicyNames.LlmResponses : CachePolicyNames.Embeddings;
        await cache.SetAsync("k", new Order("o-1", 3), policy);
        cache.ClearMemory();

        var asCustomer = await cache.TryGetAsync<Customer>("k", policy);
        var asOrder = await cache.TryGetAsync<Order>("k", policy);

        Assert.That(asCustomer.HasValue, Is.False, "a Customer read from an Order's bytes would have only its shared members filled");
        Assert.That(asOrder, Is.EqualTo(new CacheResult<Order>(new Order("o-1", 3), onDisk ? CacheValueSource.Disk : CacheValueSource.Distributed)), "the record stays for its own type");
    }

    [Test]
    public async Task GetOrCreateAsync_OtherTypeInL3_RunsTheFactory()
    {
        using var cache = Create(disk: false);
        await cache.SetAsync("k", new Order("o-1", 3), CachePolicyNames.Embeddings);
        cache.ClearMemory();

        var customer = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(new Customer("c-1", "Ada")), CachePolicyNames.Embeddings);

        Assert.That(customer, Is.EqualTo(new Customer("c-1", "Ada")));
    }

    [Test]
    public async Task TryGetAsync_RecordOfTheOlderEnvelopeFormatInL3_IsAMissLeftForHostsNotYetUpgraded()
    {
        var logger = new TestDoubles.ListLogger<TieredCache>();
        using var cache = Create(disk: false, logger: logger);
        // Version 1: [1][logical expiry:8][compression frame], no type check.
        var current = CacheEnvelope.Encode("v", _time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds(), new SystemTextJsonCacheSerializer(), new PayloadCompressor(CacheCompressionAlgorithm.None, int.MaxValue, System.IO.Compression.CompressionLevel.Fastest));
        byte[] older = [1, .. current.AsSpan(1, 8), .. current.AsSpan(17)];
        _l3.Put(Prefix + "k", older, _time.GetUtcNow().AddHours(1));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That(_l3.Keys, Is.EquivalentTo(new[] { Prefix + "k" }), "hosts still on the older format share L3 and read it");
        Assert.That(logger.Entries.Where(e => e.EventId.Id == 5303), Is.Empty, "expected after an upgrade: not a warning per key");

        await cache.SetAsync("k", "new", CachePolicyNames.Embeddings);
        cache.ClearMemory();
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("new"), "a newer write replaces it");
    }

    [Test]
    public async Task TryGetAsync_RecordOfTheOlderEnvelopeFormatOnDisk_IsAMissAndRemovedQuietly()
    {
        var logger = new TestDoubles.ListLogger<TieredCache>();
        using var cache = Create(disk: true, distributed: false, logger: logger);
        var current = CacheEnvelope.Encode("v", _time.GetUtcNow().AddHours(1).ToUnixTimeMilliseconds(), new SystemTextJsonCacheSerializer(), new PayloadCompressor(CacheCompressionAlgorithm.None, int.MaxValue, System.IO.Compression.CompressionLevel.Fastest));
        byte[] older = [1, .. current.AsSpan(1, 8), .. current.AsSpan(17)];
        await _disk.SetAsync(Prefix + "k", older, _time.GetUtcNow().AddHours(1));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.LlmResponses)).HasValue, Is.False);
        Assert.That(await _disk.GetAsync(Prefix + "k"), Is.Null, "this host's own disk: the space is freed");
        Assert.That(logger.Entries.Where(e => e.EventId.Id == 5303), Is.Empty, "expected after an upgrade: not a warning per key");
    }

    [Test]
    public void StableName_SpellsGenericArgumentsWithoutAssemblyVersions()
    {
        Assert.That(CacheEnvelope.StableName(typeof(List<int>)), Is.EqualTo("System.Collections.Generic.List`1[System.Int32]"));
        Assert.That(CacheEnvelope.StableName(typeof(Dictionary<string, Order[]>)), Does.Not.Contain("Version="));
        Assert.That(CacheEnvelope.StableName(typeof(List<Order>)), Is.Not.EqualTo(CacheEnvelope.StableName(typeof(List<Customer>))));
    }

    internal sealed record Order(string Id, int Quantity);

    internal sealed record Customer(string Id, string Name);
}
