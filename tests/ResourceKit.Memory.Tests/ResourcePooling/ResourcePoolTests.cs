using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Memory.Tests.ResourcePooling;

public sealed class ResourcePoolTests
{
    private const int DisposeTimedOutEventId = 36;
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(10); // only bounds a failing run
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private FakeTimeProvider _time = null!;
    private List<Connection> _created = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _created = [];
    }

    [Test]
    public async Task AcquireAsync_EmptyPool_CreatesResource()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 2 });

        await using var lease = await pool.AcquireAsync();

        Assert.Multiple(() =>
        {
            Assert.That(lease.Resource, Is.SameAs(_created.Single()));
            Assert.That(pool.Statistics.InUse, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_AfterRelease_ReusesResource()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 2 });
        var first = await pool.AcquireAsync();
        var resource = first.Resource;
        first.Dispose();
        first.Dispose(); // a second dispose is ignored

        await using var second = await pool.AcquireAsync();

        Assert.Multiple(() =>
        {
            Assert.That(second.Resource, Is.SameAs(resource));
            Assert.That(pool.Statistics.Released, Is.EqualTo(1));
            Assert.That(_created, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_PoolFull_ServesWaitersInArrivalOrder()
    {
        // DisposeTimeout zero: a failing run leaves leases out, and disposal must not wait for them on a clock that stands still.
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DisposeTimeout = TimeSpan.Zero });
        var holder = await pool.AcquireAsync();
        var first = pool.AcquireAsync().AsTask();
        var second = pool.AcquireAsync().AsTask();
        var third = pool.AcquireAsync().AsTask();
        var waiters = new[] { first, second, third };
        Assert.That(pool.Statistics.Waiting, Is.EqualTo(3));

        // A release hands the resource to one waiter under the pool's lock; that waiter's task completes on a
        // continuation, so the test awaits whichever completes (bounded) and checks it is the right one.
        holder.Dispose();
        var waitingAfterFirstRelease = pool.Statistics.Waiting;
        var servedFirst = await Task.WhenAny(waiters).WaitAsync(FailAfter);
        Assert.That(Array.IndexOf(waiters, servedFirst), Is.Zero, "the first waiter is served first");
        var othersServedWithFirst = second.IsCompleted || third.IsCompleted;

        (await first).Dispose();
        var waitingAfterSecondRelease = pool.Statistics.Waiting;
        var servedSecond = await Task.WhenAny(second, third).WaitAsync(FailAfter);
        Assert.That(Array.IndexOf(waiters, servedSecond), Is.EqualTo(1), "the second waiter before the third");

        (await second).Dispose();
        (await third.WaitAsync(FailAfter)).Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(waitingAfterFirstRelease, Is.EqualTo(2), "one waiter served per release");
            Assert.That(othersServedWithFirst, Is.False);
            Assert.That(waitingAfterSecondRelease, Is.EqualTo(1));
            Assert.That(_created, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_PoolStaysFull_TimesOutWithPoolDetails()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { Name = "db", MinSize = 0, MaxSize = 1 });
        await using var holder = await pool.AcquireAsync();
        var waiting = pool.AcquireAsync(TimeSpan.FromSeconds(5)).AsTask();

        _time.Advance(TimeSpan.FromSeconds(4));
        var doneEarly = waiting.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(doneEarly, Is.False);
        var ex = Assert.ThrowsAsync<ResourcePoolTimeoutException>(async () => await waiting);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.PoolName, Is.EqualTo("db"));
            Assert.That(ex.MaxSize, Is.EqualTo(1));
            Assert.That(ex.Message, Does.Contain("all 1 resources are in use"));
            Assert.That(pool.Statistics.Timeouts, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_Cancelled_ThrowsAndLeavesNoWaiter()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1 });
        var holder = await pool.AcquireAsync();
        using var cts = new CancellationTokenSource();
        var waiting = pool.AcquireAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        holder.Dispose();
        await using var next = await pool.AcquireAsync();
        Assert.Multiple(() =>
        {
            Assert.That(next.Resource, Is.SameAs(_created[0]));
            Assert.That(pool.Statistics.Waiting, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_AlreadyCancelled_Throws()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0 });

        Assert.That(async () => await pool.AcquireAsync(new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task AcquireAsync_ValidationFails_ReplacesResource()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        await using var pool = new ResourcePool<Connection>(options, Create, validate: (c, _) => ValueTask.FromResult(c.Id != 0), timeProvider: _time);
        (await pool.AcquireAsync()).Dispose();

        await using var lease = await pool.AcquireAsync();

        Assert.Multiple(() =>
        {
            Assert.That(lease.Resource.Id, Is.EqualTo(1));
            Assert.That(_created[0].Disposed, Is.True);
            Assert.That(pool.Statistics.ValidationFailures, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_ValidatorThrows_ReplacesResource()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        await using var pool = new ResourcePool<Connection>(options, Create, validate: (c, _) => c.Id == 0 ? throw new IOException("reset") : ValueTask.FromResult(true), timeProvider: _time);
        (await pool.AcquireAsync()).Dispose();

        await using var lease = await pool.AcquireAsync();

        Assert.That(lease.Resource.Id, Is.EqualTo(1));
    }

    [Test]
    public async Task Dispose_LeaseMarkedBroken_ResourceClosedAndReplaced()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1 });
        var lease = await pool.AcquireAsync();
        var waiting = pool.AcquireAsync().AsTask();

        lease.MarkBroken();
        await lease.DisposeAsync();
        await using var replacement = await waiting;

        Assert.Multiple(() =>
        {
            Assert.That(_created[0].Disposed, Is.True);
            Assert.That(replacement.Resource, Is.SameAs(_created[1]));
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task PruneAsync_IdlePastLimit_ClosesDownToMinimum()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 1, MaxSize = 3, MaxIdleTime = TimeSpan.FromMinutes(1) });
        var leases = new[] { await pool.AcquireAsync(), await pool.AcquireAsync(), await pool.AcquireAsync() };
        foreach (var lease in leases)
        {
            lease.Dispose();
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        await pool.PruneAsync();

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
            Assert.That(_created.Count(c => c.Disposed), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task PruneTimer_LifetimeExceeded_ReplacesResource()
    {
        var options = new ResourcePoolOptions { MinSize = 1, MaxSize = 2, MaxLifetime = TimeSpan.FromMinutes(10), MaxIdleTime = TimeSpan.FromHours(1), PruneInterval = TimeSpan.FromMinutes(1) };
        await using var pool = CreatePool(options);
        await pool.WarmUpAsync();

        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.Multiple(() =>
        {
            Assert.That(_created, Has.Count.EqualTo(2));
            Assert.That(_created[0].Disposed, Is.True);
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Dispose_LifetimeExceededWhileLeased_ClosesOnReturn()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, MaxLifetime = TimeSpan.FromMinutes(1), PruneInterval = TimeSpan.FromHours(1) });
        var lease = await pool.AcquireAsync();

        _time.Advance(TimeSpan.FromMinutes(2));
        await lease.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_created[0].Disposed, Is.True);
            Assert.That(pool.Statistics.Total, Is.Zero);
        });
    }

    [Test]
    public async Task WarmUpAsync_Minimum_OpensMinimum()
    {
        await using var pool = CreatePool(ResourcePoolPresets.Database());

        await pool.WarmUpAsync();

        Assert.That(pool.Statistics.Idle, Is.EqualTo(3));
    }

    [Test]
    public async Task LeakDetected_LeaseHeldPastThreshold_ReportedOnceWithAcquisitionSite()
    {
        var options = new ResourcePoolOptions { MinSize = 0, LeakDetectionThreshold = TimeSpan.FromMinutes(1), PruneInterval = TimeSpan.FromSeconds(30) };
        await using var pool = CreatePool(options);
        var reports = new List<ResourceLeakDetectedEventArgs>();
        pool.LeakDetected += (_, e) => reports.Add(e);
        await using var lease = await pool.AcquireAsync();

        _time.Advance(TimeSpan.FromSeconds(30));
        var before = reports.Count;
        _time.Advance(TimeSpan.FromMinutes(3));

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.Zero);
            Assert.That(reports, Has.Count.EqualTo(1));
            Assert.That(reports[0].HeldFor, Is.GreaterThanOrEqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(reports[0].AcquisitionStackTrace, Does.Contain(nameof(LeakDetected_LeaseHeldPastThreshold_ReportedOnceWithAcquisitionSite)));
            Assert.That(pool.Statistics.LeaksDetected, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task LeakDetected_HandlerThrows_PoolStillRefillsAndServes()
    {
        using var pool = CreatePool(LeakAndRefillDueAt90Seconds()); // Dispose, not DisposeAsync: a failed assertion must not wait for leases on a fake clock
        var reports = 0;
        pool.LeakDetected += (_, _) => throw new InvalidOperationException("subscriber failed");
        pool.LeakDetected += (_, _) => reports++;
        using var leaked = await pool.AcquireAsync();
        (await pool.AcquireAsync()).Dispose();

        _time.Advance(TimeSpan.FromSeconds(90));

        Assert.That(async () => await pool.PruneAsync(), Throws.Nothing);
        var afterPrune = pool.Statistics;
        var acquire = pool.AcquireAsync(TimeSpan.FromSeconds(5)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(reports, Is.EqualTo(1), "the other subscriber still hears about the leak");
            Assert.That(afterPrune.Idle, Is.EqualTo(1), "the expired resource was replaced up to MinSize");
            Assert.That(afterPrune.Total, Is.EqualTo(2));
            Assert.That(acquire.IsCompletedSuccessfully, Is.True, "no slot is left reserved for a refill that never ran");
        });
        if (acquire.IsCompletedSuccessfully)
        {
            acquire.Result.Dispose();
        }
    }

    [Test]
    public async Task PruneAsync_LeakReportThrows_GivesBackRefillSlots()
    {
        using var pool = new ResourcePool<Connection>(LeakAndRefillDueAt90Seconds(), Create, timeProvider: _time, logger: new LeakLogThrowingLogger());
        using var leaked = await pool.AcquireAsync();
        (await pool.AcquireAsync()).Dispose();
        _time.Advance(TimeSpan.FromSeconds(90));

        Assert.That(async () => await pool.PruneAsync(), Throws.InvalidOperationException.With.Message.EqualTo("logging failed"));
        var afterPrune = pool.Statistics;
        var acquire = pool.AcquireAsync(TimeSpan.FromSeconds(5)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(afterPrune.Total, Is.EqualTo(1), "the slot reserved for the refill was given back");
            Assert.That(acquire.IsCompletedSuccessfully, Is.True);
        });
        if (acquire.IsCompletedSuccessfully)
        {
            acquire.Result.Dispose();
        }
    }

    [Test]
    public async Task LeakDetected_LeaseReturnedInTime_NotReported()
    {
        var options = new ResourcePoolOptions { MinSize = 0, LeakDetectionThreshold = TimeSpan.FromMinutes(1), PruneInterval = TimeSpan.FromSeconds(30) };
        await using var pool = CreatePool(options);
        var reports = 0;
        pool.LeakDetected += (_, _) => reports++;

        (await pool.AcquireAsync()).Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(reports, Is.Zero);
    }

    [Test]
    public async Task Trim_Half_ClosesIdleAboveMinimum()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 1, MaxSize = 5, EstimatedResourceBytes = 1000 });
        var leases = new List<ResourceLease<Connection>>();
        for (var i = 0; i < 5; i++)
        {
            leases.Add(await pool.AcquireAsync());
        }

        leases.ForEach(l => l.Dispose());

        Assert.Multiple(() =>
        {
            Assert.That(pool.Trim(0.5), Is.EqualTo(3000));
            Assert.That(pool.Statistics.Idle, Is.EqualTo(2));
            Assert.That(pool.Trim(1), Is.EqualTo(1000));
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task DisposeAsync_WaitersAndOutstandingLease_FailsWaitersAndWaitsForLease()
    {
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1 });
        var lease = await pool.AcquireAsync();
        var waiting = pool.AcquireAsync().AsTask();

        var disposing = pool.DisposeAsync().AsTask();
        var disposedEarly = disposing.IsCompleted;
        lease.Dispose();
        await disposing;

        Assert.Multiple(() =>
        {
            Assert.That(disposedEarly, Is.False);
            Assert.That(async () => await waiting, Throws.TypeOf<ObjectDisposedException>());
            Assert.That(_created[0].Disposed, Is.True);
            Assert.That(async () => await pool.AcquireAsync(), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public async Task DisposeAsync_LeaseNeverReturned_GivesUpAfterTimeout()
    {
        // Longer than FailAfter, so a wait on the real clock instead of the pool's fails instead of passing slowly.
        var disposeTimeout = TimeSpan.FromMinutes(1);
        var logger = new FakeLogger<ResourcePool<Connection>>();
        var pool = new ResourcePool<Connection>(new ResourcePoolOptions { Name = "db", MinSize = 0, DisposeTimeout = disposeTimeout }, Create, timeProvider: _time, logger: logger);
        var lease = await pool.AcquireAsync();

        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(disposeTimeout - Tick);
        var doneEarly = disposing.IsCompleted;
        _time.Advance(Tick);
        await disposing.WaitAsync(FailAfter);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Id.Id == DisposeTimedOutEventId).ToList();
        var openAfterDispose = !_created[0].Disposed;

        // What the pool promises once it gives up: a lease returned later is closed on return.
        await lease.DisposeAsync().AsTask().WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(doneEarly, Is.False, "it waits for the lease until the timeout");
            Assert.That(warnings, Has.Count.EqualTo(1));
            Assert.That(warnings.Single().Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(warnings.Single().Message, Is.EqualTo("Pool db: 00:01:00 passed on dispose with leases still out; they are closed when returned."));
            Assert.That(openAfterDispose, Is.True, "a leased resource stays open until returned");
            Assert.That(_created[0].Disposed, Is.True, "closed when returned after the pool gave up");
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Dispose_Sync_FailsWaitersAndClosesLeaseOnReturn()
    {
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1 });
        var held = await pool.AcquireAsync();
        var waiting = pool.AcquireAsync().AsTask();

        pool.Dispose();
        var openAfterDispose = !_created[0].Disposed;
        held.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(async () => await waiting, Throws.TypeOf<ObjectDisposedException>());
            Assert.That(openAfterDispose, Is.True, "a leased resource stays open until returned");
            Assert.That(_created[0].Disposed, Is.True);
        });
    }

    [Test]
    public async Task Dispose_Sync_ClosesIdle()
    {
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 2 });
        await pool.WarmUpAsync();

        pool.Dispose();

        Assert.That(_created, Has.All.Matches<Connection>(c => c.Disposed));
    }

    [Test]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        var options = new ResourcePoolOptions { MinSize = -1, MaxSize = 0, Name = "" };

        Assert.That(
            () => CreatePool(options),
            Throws.ArgumentException
                .With.Message.Contains("MinSize must not be negative")
                .And.Message.Contains("MaxSize must be at least 1")
                .And.Message.Contains("Name must not be empty"));
    }

    [Test]
    public void Constructor_MaxBelowMin_Throws()
    {
        Assert.That(
            () => CreatePool(new ResourcePoolOptions { MinSize = 5, MaxSize = 2 }),
            Throws.ArgumentException.With.Message.Contains("MaxSize (2) must not be less than MinSize (5)"));
    }

    [Test]
    public async Task AcquireAsync_NegativeTimeout_Throws()
    {
        await using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0 });

        Assert.That(() => pool.AcquireAsync(TimeSpan.FromSeconds(-2)), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Lease_Default_ResourceThrows()
    {
        var lease = default(ResourceLease<Connection>);

        Assert.That(() => lease.Resource, Throws.InvalidOperationException);
        Assert.That(lease.Dispose, Throws.Nothing);
    }

    /// <summary>At 90 s the idle resource reaches its lifetime (a refill is due) and a lease held since 0 s crosses the leak threshold; tests prune by hand.</summary>
    private static ResourcePoolOptions LeakAndRefillDueAt90Seconds() => new()
    {
        MinSize = 2,
        MaxSize = 2,
        MaxLifetime = TimeSpan.FromSeconds(90),
        LeakDetectionThreshold = TimeSpan.FromSeconds(90),
        PruneInterval = TimeSpan.FromDays(1),
    };

    private ResourcePool<Connection> CreatePool(ResourcePoolOptions options) =>
        new(options, Create, timeProvider: _time);

    private ValueTask<Connection> Create(CancellationToken cancellationToken)
    {
        var connection = new Connection(_created.Count);
        _created.Add(connection);
        return ValueTask.FromResult(connection);
    }

    /// <summary>A logger whose leak warning (event 32) throws, to fail pruning between reserving and refilling.</summary>
    private sealed class LeakLogThrowingLogger : ILogger<ResourcePool<Connection>>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 32)
            {
                throw new InvalidOperationException("logging failed");
            }
        }
    }

    internal sealed class Connection(int id) : IDisposable
    {
        public int Id { get; } = id;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
