using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.ResourcePooling;
using Connection = ResourceKit.Memory.Tests.ResourcePooling.ResourcePoolTests.Connection;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>A resource being closed keeps its place under MaxSize until its close ends or is abandoned at DestroyTimeout.</summary>
public sealed class ResourcePoolClosingSlotTests
{
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(10); // only bounds a failing run
    private static readonly TimeSpan DestroyTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private FakeTimeProvider _time = null!;
    private List<Connection> _created = null!;
    private List<TaskCompletionSource> _closes = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _created = [];
        _closes = [];
    }

    [Test]
    public async Task LeaseDispose_BrokenWhileItsCloseRuns_NextAcquireWaitsForTheCloseToEnd()
    {
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();

        lease.Dispose();
        var next = pool.AcquireAsync().AsTask();
        var whileClosing = pool.Statistics;
        var createdWhileClosing = _created.Count;
        _closes.Single().SetResult();
        using var replacement = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(createdWhileClosing, Is.EqualTo(1), "no replacement opens while the old resource closes");
            Assert.That(whileClosing.Total, Is.EqualTo(1));
            Assert.That(whileClosing.Closing, Is.EqualTo(1));
            Assert.That(whileClosing.Waiting, Is.EqualTo(1));
            Assert.That(replacement.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.Closing, Is.Zero);
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LeaseDispose_BrokenAndItsCloseHangs_SlotComesBackWhenTheDestroyTimeoutPasses()
    {
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();

        var next = pool.AcquireAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        var beforeTimeout = next.IsCompleted;
        _time.Advance(Tick);
        using var replacement = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(beforeTimeout, Is.False, "the slot is held while the close may still end");
            Assert.That(replacement.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
            Assert.That(pool.Statistics.Closing, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_PoolFullOfClosingResources_TimesOutInsteadOfOpeningMore()
    {
        using var pool = CreatePool(new ResourcePoolOptions { Name = "browsers", MinSize = 0, MaxSize = 2, DestroyTimeout = DestroyTimeout });
        var leases = new[] { await pool.AcquireAsync(), await pool.AcquireAsync() };
        foreach (var lease in leases)
        {
            lease.Dispose();
        }

        pool.Trim(1);
        var acquiring = pool.AcquireAsync(TimeSpan.FromSeconds(1)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(async () => await acquiring, Throws.TypeOf<ResourcePoolTimeoutException>());
        Assert.Multiple(() =>
        {
            Assert.That(_created, Has.Count.EqualTo(2));
            Assert.That(pool.Statistics.Total, Is.EqualTo(2));
            Assert.That(pool.Statistics.Closing, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task AcquireAsync_ExpiredIdleResourceCloses_CallerWaitsForItsSlotAndIsServedWhenItEnds()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, MaxIdleTime = TimeSpan.FromMinutes(1), PruneInterval = TimeSpan.FromDays(1), DestroyTimeout = DestroyTimeout };
        using var pool = CreatePool(options);
        (await pool.AcquireAsync()).Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));

        var acquiring = pool.AcquireAsync().AsTask(); // finds the idle resource expired and closes it
        var createdWhileClosing = _created.Count;
        _closes.Single().SetResult();
        using var lease = await acquiring.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(createdWhileClosing, Is.EqualTo(1));
            Assert.That(lease.Resource.Id, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task PruneAsync_ExpiredResourceStillClosing_RefillsOnlyWithinMaxSize()
    {
        var options = new ResourcePoolOptions { MinSize = 2, MaxSize = 2, MaxLifetime = TimeSpan.FromMinutes(10), PruneInterval = TimeSpan.FromDays(1), DestroyTimeout = DestroyTimeout };
        using var pool = CreatePool(options);
        await pool.WarmUpAsync();
        _time.Advance(TimeSpan.FromMinutes(10));

        await pool.PruneAsync(); // both expired: closes start, and there is no room to refill yet
        var duringCloses = pool.Statistics;
        _closes[0].SetResult();
        await pool.PruneAsync(); // one slot came back: refill one
        var afterOneClose = pool.Statistics;
        _closes[1].SetResult();
        await pool.PruneAsync();

        Assert.Multiple(() =>
        {
            Assert.That(duringCloses.Total, Is.EqualTo(2));
            Assert.That(duringCloses.Idle, Is.Zero);
            Assert.That(afterOneClose.Idle, Is.EqualTo(1));
            Assert.That(afterOneClose.Total, Is.EqualTo(2));
            Assert.That(pool.Statistics.Idle, Is.EqualTo(2));
            Assert.That(_created, Has.Count.EqualTo(4));
        });
    }

    [Test]
    public async Task Trim_WhileOtherClosesRun_StillTrimsDownToMinSize()
    {
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 1, MaxSize = 4, DestroyTimeout = DestroyTimeout });
        var leases = new List<ResourceLease<Connection>>();
        for (var i = 0; i < 4; i++)
        {
            leases.Add(await pool.AcquireAsync());
        }

        leases.ForEach(l => l.Dispose());

        pool.Trim(0.25); // one close starts and runs on
        pool.Trim(1); // the closing one no longer counts towards MinSize: two more go

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1));
            Assert.That(pool.Statistics.Closing, Is.EqualTo(3));
            Assert.That(pool.Statistics.Total, Is.EqualTo(4));
        });
    }

    [Test]
    public async Task DisposeAsync_WaiterQueuedBehindClosingResource_FailsTheWaiterAndEndsWithinTheDestroyTimeout()
    {
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();
        var waiting = pool.AcquireAsync(Timeout.InfiniteTimeSpan).AsTask();

        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout);
        await disposing.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(async () => await waiting, Throws.TypeOf<ObjectDisposedException>());
            Assert.That(_created, Has.Count.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_PoolDisposedWhileCreating_ClosesTheNewResourceWhichHoldsItsSlotUntilClosed()
    {
        var opening = new TaskCompletionSource<Connection>(); // completes inline
        var pool = new ResourcePool<Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout },
            _ => new ValueTask<Connection>(opening.Task),
            destroy: Destroy,
            timeProvider: _time);
        var acquiring = pool.AcquireAsync().AsTask();

        pool.Dispose();
        opening.SetResult(new Connection(0));
        var whileClosing = pool.Statistics;
        _closes.Single().SetResult();

        Assert.That(async () => await acquiring, Throws.TypeOf<ObjectDisposedException>());
        Assert.Multiple(() =>
        {
            Assert.That(whileClosing.Closing, Is.EqualTo(1));
            Assert.That(whileClosing.Total, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.Zero);
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ClosingGauge_WhileACloseRuns_PublishesItPerPool()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var closing = new MetricCollector<int>(meterFactory, MemoryTelemetry.MeterName, "resourcekit.memory.resource_pool.closing");
        using var pool = new ResourcePool<Connection>(new ResourcePoolOptions { Name = "tts", MinSize = 0 }, Create, destroy: Destroy, timeProvider: _time, meterFactory: meterFactory);
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();

        closing.RecordObservableInstruments();
        var during = closing.LastMeasurement;
        _closes.Single().SetResult();
        closing.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(during?.Value, Is.EqualTo(1));
            Assert.That(during?.Tags["pool"], Is.EqualTo("tts"));
            Assert.That(closing.LastMeasurement?.Value, Is.Zero);
        });
    }

    private ResourcePool<Connection> CreatePool(ResourcePoolOptions options) =>
        new(options, Create, destroy: Destroy, timeProvider: _time);

    private ValueTask<Connection> Create(CancellationToken cancellationToken)
    {
        var connection = new Connection(_created.Count);
        _created.Add(connection);
        return ValueTask.FromResult(connection);
    }

    /// <summary>Every close waits for the test to end it (or for the pool to give up on it).</summary>
    private ValueTask Destroy(Connection connection, CancellationToken cancellationToken)
    {
        var close = new TaskCompletionSource(); // completes inline, so the slot is back when SetResult returns
        _closes.Add(close);
        return new ValueTask(close.Task);
    }
}
