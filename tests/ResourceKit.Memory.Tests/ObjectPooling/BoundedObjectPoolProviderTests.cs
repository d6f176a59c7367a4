using Microsoft.Extensions.ObjectPool;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.ObjectPooling;

public sealed class BoundedObjectPoolProviderTests
{
    [Test]
    public void Create_WithReclamation_RegistersPoolUntilItIsDisposed()
    {
        using var reclamation = new MemoryReclamation(collector: new FakeGarbageCollector());
        var provider = new BoundedObjectPoolProvider(new BoundedObjectPoolOptions { MaximumRetained = 4 }, reclamation);

        var pool = (BoundedObjectPool<List<int>>)provider.Create(new DefaultPooledObjectPolicy<List<int>>());
        var registered = reclamation.Reclaimers.Contains(pool);
        pool.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(registered, Is.True);
            Assert.That(reclamation.Reclaimers, Does.Not.Contain(pool), "a disposed pool is no longer trimmed or kept alive");
            Assert.That(pool.Name, Is.EqualTo("System.Collections.Generic.List<System.Int32>"));
        });
    }

    [Test]
    public void Create_WithoutReclamation_ReturnsBoundedPool()
    {
        var provider = new BoundedObjectPoolProvider(new BoundedObjectPoolOptions { MaximumRetained = 4 });

        using var pool = (BoundedObjectPool<List<int>>)provider.Create(new DefaultPooledObjectPolicy<List<int>>());

        Assert.That(pool.Statistics.MaximumRetained, Is.EqualTo(4));
    }

    [Test]
    public void Create_PoolsOfDifferentGenericTypes_GetDistinctNames()
    {
        var provider = new BoundedObjectPoolProvider();

        using var ints = (BoundedObjectPool<List<int>>)provider.Create(new DefaultPooledObjectPolicy<List<int>>());
        using var strings = (BoundedObjectPool<List<string>>)provider.Create(new DefaultPooledObjectPolicy<List<string>>());
        using var nested = (BoundedObjectPool<Dictionary<string, int[]>>)provider.Create(new DefaultPooledObjectPolicy<Dictionary<string, int[]>>());

        Assert.Multiple(() =>
        {
            Assert.That(ints.Name, Is.Not.EqualTo(strings.Name), "List`1 for both would merge their metrics");
            Assert.That(strings.Name, Is.EqualTo("System.Collections.Generic.List<System.String>"));
            Assert.That(nested.Name, Is.EqualTo("System.Collections.Generic.Dictionary<System.String,System.Int32[]>"));
        });
    }
}
