using System.Collections.Concurrent;
using Microsoft.Extensions.ObjectPool;
using ResourceKit.Memory.ObjectPooling;

namespace ResourceKit.Memory.Tests.ObjectPooling;

public sealed class BoundedObjectPoolTests
{
    [Test]
    public void Get_AfterReturn_ReusesTheSameObject()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());
        var first = pool.Get();
        pool.Return(first);

        Assert.That(pool.Get(), Is.SameAs(first));
    }

    [Test]
    public void Return_BeyondMaximum_DropsAndDisposesExtras()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>(), new BoundedObjectPoolOptions { MaximumRetained = 3 });
        var rented = Enumerable.Range(0, 10).Select(_ => pool.Get()).ToList();

        rented.ForEach(pool.Return);
        var stats = pool.Statistics;

        Assert.Multiple(() =>
        {
            Assert.That(stats.Retained, Is.EqualTo(3));
            Assert.That(stats.Dropped, Is.EqualTo(7));
            Assert.That(stats.Created, Is.EqualTo(10));
            Assert.That(stats.Rented, Is.EqualTo(10));
            Assert.That(stats.Returned, Is.EqualTo(10));
            Assert.That(rented.Count(b => b.Disposed), Is.EqualTo(7));
        });
    }

    [Test]
    public void Return_ResettableThatFailsReset_IsDropped()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());
        var item = pool.Get();
        item.AllowReset = false;

        pool.Return(item);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Dropped, Is.EqualTo(1));
            Assert.That(pool.Get(), Is.Not.SameAs(item));
        });
    }

    [Test]
    public void Return_ResettableObject_IsReset()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());
        var item = pool.Get();
        item.Data.Add(1);

        pool.Return(item);

        Assert.That(pool.Get().Data, Is.Empty);
    }

    [Test]
    public void Return_CustomPolicyRejects_IsDropped()
    {
        using var pool = new BoundedObjectPool<List<int>>(new CappedListPolicy());
        var big = pool.Get();
        big.AddRange(Enumerable.Range(0, 100));

        pool.Return(big);

        Assert.That(pool.Statistics.Dropped, Is.EqualTo(1));
    }

    [Test]
    public void Trim_Half_DiscardsHalfOfRetained()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>(), new BoundedObjectPoolOptions { MaximumRetained = 8, EstimatedObjectBytes = 1024 });
        var rented = Enumerable.Range(0, 8).Select(_ => pool.Get()).ToList();
        rented.ForEach(pool.Return);

        var freed = pool.Trim(0.5);

        Assert.Multiple(() =>
        {
            Assert.That(freed, Is.EqualTo(4 * 1024));
            Assert.That(pool.Statistics.Retained, Is.EqualTo(4));
            Assert.That(pool.Statistics.Trimmed, Is.EqualTo(4));
            Assert.That(rented.Count(b => b.Disposed), Is.EqualTo(4));
        });
    }

    [Test]
    public void Get_ManyThreads_RetainedNeverExceedsBound()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>(), new BoundedObjectPoolOptions { MaximumRetained = 5 });

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, _ =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var a = pool.Get();
                var b = pool.Get();
                pool.Return(a);
                pool.Return(b);
            }
        });

        var stats = pool.Statistics;
        Assert.Multiple(() =>
        {
            Assert.That(stats.Retained, Is.LessThanOrEqualTo(5));
            Assert.That(stats.Created - stats.Dropped, Is.EqualTo(stats.Retained), "every object created is either retained or dropped");
        });
    }

    [Test]
    public void Return_AfterDispose_DropsObject()
    {
        var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());
        var item = pool.Get();
        pool.Dispose();

        pool.Return(item);

        Assert.Multiple(() =>
        {
            Assert.That(item.Disposed, Is.True);
            Assert.That(pool.Statistics.Retained, Is.Zero);
        });
    }

    [Test]
    public void Constructor_BadOptions_Throws()
    {
        Assert.That(
            () => new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>(), new BoundedObjectPoolOptions { MaximumRetained = 0, Name = "" }),
            Throws.ArgumentException.With.Message.Contains("MaximumRetained must be at least 1").And.Message.Contains("Name must not be empty"));
    }

    [TestCase(-1d)]
    [TestCase(2d)]
    public void Trim_FractionOutOfRange_Throws(double fraction)
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());

        Assert.That(() => pool.Trim(fraction), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Return_Null_Throws()
    {
        using var pool = new BoundedObjectPool<Buffer>(new DefaultPooledObjectPolicy<Buffer>());

        Assert.That(() => pool.Return(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Return_RacingDispose_EveryObjectEndsDisposedAndNoneRetained()
    {
        var leftovers = 0;
        for (var round = 0; round < 100; round++)
        {
            var policy = new TrackingPolicy();
            var pool = new BoundedObjectPool<Buffer>(policy, new BoundedObjectPoolOptions { MaximumRetained = 4 });
            using var start = new Barrier(3);
            var returners = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 200; i++)
                {
                    pool.Return(pool.Get());
                }
            }));
            var disposer = Task.Run(() =>
            {
                start.SignalAndWait();
                Thread.SpinWait(200 * (round % 10)); // vary where in the returners' loop the dispose lands
                pool.Dispose();
            });
            Task.WaitAll([.. returners, disposer]);
            leftovers += policy.Created.Count(o => !o.Disposed) + pool.Statistics.Retained;
        }

        Assert.That(leftovers, Is.Zero, "an object returned while the pool was being disposed stayed retained and undisposed");
    }

    private sealed class Buffer : IResettable, IDisposable
    {
        public List<int> Data { get; } = [];

        public bool AllowReset { get; set; } = true;

        public bool Disposed { get; private set; }

        public bool TryReset()
        {
            Data.Clear();
            return AllowReset;
        }

        public void Dispose() => Disposed = true;
    }

    private sealed class TrackingPolicy : PooledObjectPolicy<Buffer>
    {
        public ConcurrentBag<Buffer> Created { get; } = [];

        public override Buffer Create()
        {
            var buffer = new Buffer();
            Created.Add(buffer);
            return buffer;
        }

        public override bool Return(Buffer obj) => true;
    }

    private sealed class CappedListPolicy : PooledObjectPolicy<List<int>>
    {
        public override List<int> Create() => [];

        public override bool Return(List<int> obj)
        {
            var keep = obj.Capacity <= 16;
            obj.Clear();
            return keep;
        }
    }
}
