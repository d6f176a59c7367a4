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
            Assert.That(pool.Name, Is.EqualTo("List`1"));
        });
    }

    [Test]
    public void Create_WithoutReclamation_ReturnsBoundedPool()
    {
        var provider = new BoundedObjectPoolProvider(new BoundedObjectPoolOptions { MaximumRetained = 4 });

        using var pool = (BoundedObjectPool<List<int>>)provider.Create(new DefaultPooledObjectPolicy<List<int>>());

        Assert.That(pool.Statistics.MaximumRetained, Is.EqualTo(4));
    }
}
