using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>A serializer that throws never fails a caller: the value stays in L1, an unreadable record is removed.</summary>
public sealed partial class TieredCacheTests
{
    [Test]
    public async Task GetOrCreateAsync_SerializerThrowsOnWrite_ReturnsTheValueAndKeepsItInMemoryOnly()
    {
        var logger = new ListLogger<TieredCache>();
        using var cache = Create(serializer: new ThrowingCacheSerializer(onSerialize: true, onDeserialize: false), logger: logger);

        var created = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v"), CachePolicyNames.Embeddings);
        await cache.SetAsync("set", "w", CachePolicyNames.Embeddings);

        Assert.That(created, Is.EqualTo("v"));
        Assert.That(await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v", CacheValueSource.Memory)));
        Assert.That(await cache.TryGetAsync<string>("set", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("w", CacheValueSource.Memory)));
        Assert.That(await _disk.GetAsync(Prefix + "k"), Is.Null);
        Assert.That(_l3.Keys, Is.Empty);
        Assert.That(logger.Entries.Count(e => e.EventId.Id == 5305), Is.EqualTo(2));
    }

    [Test]
    public async Task TryGetAsync_SerializerThrowsItsOwnExceptionOnRead_MissesAndRemovesTheRecord()
    {
        using (var writer = Create(disk: false))
        {
            await writer.SetAsync("k", "v", CachePolicyNames.Embeddings);
        }

        using var cache = Create(disk: false, serializer: new ThrowingCacheSerializer(onSerialize: false, onDeserialize: true));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That(_l3.Keys, Is.Empty);
    }
}
