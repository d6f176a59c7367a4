using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Memory.Tests.Support;
using Connection = ResourceKit.Memory.Tests.ResourcePooling.ResourcePoolTests.Connection;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>The token given to a close is cancelled when, and only when, the pool gives up on it at DestroyTimeout.</summary>
public sealed class ResourcePoolDestroyCancellationTests
{
    private const int DestroyTimedOutEventId = 29;
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(10); // only bounds a failing run
    private static readonly TimeSpan DestroyTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private FakeTimeProvider _time = null!;
    private FakeLogger<ResourcePool<Connection>> _logger = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _logger = new FakeLogger<ResourcePool<Connection>>();
    }

    [Test]
    public async Task DestroyAsync_OutlivesTheDestroyTimeout_ItsTokenIsCancelledWhenThePoolGivesUp()
    {
        var lifecycle = new RecordingLifecycle();
        using var pool = new ResourcePool<Connection>(new ResourcePoolOptions { Name = "browsers", MinSize = 0, DestroyTimeout = DestroyTimeout }, lifecycle, _time, _logger);
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();

        lease.Dispose();
        var token = lifecycle.Tokens.Single();
        _time.Advance(DestroyTimeout - Tick);
        var cancelledEarly = token.IsCancellationRequested;
        _time.Advance(Tick);

        Assert.Multiple(() =>
        {
            Assert.That(token.CanBeCanceled, Is.True);
            Assert.That(cancelledEarly, Is.False, "not while the pool still waits for the close");
            Assert.That(token.IsCancellationRequested, Is.True);
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
            Assert.That(
                _logger.Collector.GetSnapshot().Single(r => r.Id.Id == DestroyTimedOutEventId).Message,
                Is.EqualTo("Pool browsers: closing a resource took longer than 00:00:05; the pool stopped waiting for it."));
        });
    }

    [Test]
    public async Task DestroyAsync_HonoursItsToken_IsToldBeforeItsSlotIsFreedAndNotLoggedAsAFailure()
    {
        ResourcePoolStatistics? whenTold = null;
        Task<ResourceLease<Connection>>? next = null;
        var servedBeforeTold = false;
        ResourcePool<Connection>? pool = null;
        using var owned = pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout }, (_, ct) =>
        {
            var aborted = new TaskCompletionSource();
            ct.Register(() =>
            {
                whenTold = pool!.Statistics;
                servedBeforeTold = next!.IsCompleted;
                aborted.SetCanceled(ct);
            });
            return new ValueTask(aborted.Task);
        });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();
        next = pool.AcquireAsync().AsTask();

        _time.Advance(DestroyTimeout);
        using var replacement = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(whenTold?.Closing, Is.EqualTo(1), "the slot is still held while the close is told to stop");
            Assert.That(whenTold?.Total, Is.EqualTo(1));
            Assert.That(servedBeforeTold, Is.False);
            Assert.That(replacement.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1), "it ended only because the pool gave up");
            Assert.That(_logger.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Error), Is.False);
        });
    }

    [Test]
    public async Task DestroyAsync_EndsWithinTheTimeout_TokenNeverCancelled()
    {
        var gate = new TaskCompletionSource();
        var tokens = new List<CancellationToken>();
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, DestroyTimeout = DestroyTimeout }, (_, ct) =>
        {
            tokens.Add(ct);
            return new ValueTask(gate.Task);
        });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();

        _time.Advance(DestroyTimeout - Tick);
        gate.SetResult();
        _time.Advance(DestroyTimeout);

        Assert.Multiple(() =>
        {
            Assert.That(tokens.Single().IsCancellationRequested, Is.False);
            Assert.That(pool.Statistics.DestroyTimeouts, Is.Zero);
            Assert.That(pool.Statistics.Closing, Is.Zero);
        });
    }

    [Test]
    public async Task DisposeAsync_ClosesRunning_CancelsNoneBeforeItsDestroyTimeout()
    {
        var lifecycle = new RecordingLifecycle();
        var pool = new ResourcePool<Connection>(new ResourcePoolOptions { MinSize = 2, MaxSize = 2, DestroyTimeout = DestroyTimeout }, lifecycle, _time, _logger);
        await pool.WarmUpAsync();

        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        var cancelledEarly = lifecycle.Tokens.Count(t => t.IsCancellationRequested);
        var doneEarly = disposing.IsCompleted;
        _time.Advance(Tick);
        await disposing.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(lifecycle.Tokens, Has.Count.EqualTo(2));
            Assert.That(cancelledEarly, Is.Zero, "disposal leaves each close its whole timeout to end gracefully");
            Assert.That(doneEarly, Is.False);
            Assert.That(lifecycle.Tokens, Has.All.Matches<CancellationToken>(t => t.IsCancellationRequested), "then they are told to stop");
            Assert.That(pool.Statistics.Total, Is.Zero);
        });
    }

    [Test]
    public async Task Dispose_Sync_ClosesStartedAreNotCancelledUntilTheirDestroyTimeout()
    {
        var lifecycle = new RecordingLifecycle();
        var pool = new ResourcePool<Connection>(new ResourcePoolOptions { MinSize = 1, DestroyTimeout = DestroyTimeout }, lifecycle, _time, _logger);
        await pool.WarmUpAsync();

        pool.Dispose();
        var token = lifecycle.Tokens.Single();
        var cancelledAtDispose = token.IsCancellationRequested;
        _time.Advance(DestroyTimeout);

        Assert.Multiple(() =>
        {
            Assert.That(cancelledAtDispose, Is.False);
            Assert.That(token.IsCancellationRequested, Is.True);
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task DestroyAsync_AbandonedClose_KeepsAUsableTokenUntilItEnds()
    {
        var gate = new TaskCompletionSource();
        var tokenError = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, DestroyTimeout = DestroyTimeout }, async (_, ct) =>
        {
            await gate.Task;
            tokenError.SetResult(TokenProbe.Use(ct));
        });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();

        _time.Advance(DestroyTimeout);
        gate.SetResult();

        Assert.Multiple(async () =>
        {
            Assert.That(await tokenError.Task.WaitAsync(FailAfter), Is.Null);
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task DestroyAsync_TokenCallbackThrows_SlotStillFreedAndTheTimeoutCounted()
    {
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1, DestroyTimeout = DestroyTimeout }, (_, ct) =>
        {
            ct.Register(() => throw new InvalidOperationException("abort failed"));
            return new ValueTask(new TaskCompletionSource().Task);
        });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();
        lease.Dispose();
        var next = pool.AcquireAsync().AsTask();

        _time.Advance(DestroyTimeout);
        using var replacement = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(replacement.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
            Assert.That(pool.Statistics.Closing, Is.Zero);
        });
    }

    [Test]
    public async Task DestroyAsync_DestroyTimeoutInfinite_TokenCannotBeCancelled()
    {
        var lifecycle = new RecordingLifecycle();
        var pool = new ResourcePool<Connection>(new ResourcePoolOptions { MinSize = 1, DestroyTimeout = Timeout.InfiniteTimeSpan }, lifecycle, _time, _logger);
        await pool.WarmUpAsync();

        pool.Dispose();
        _time.Advance(TimeSpan.FromDays(2));

        Assert.Multiple(() =>
        {
            Assert.That(lifecycle.Tokens.Single().CanBeCanceled, Is.False);
            Assert.That(pool.Statistics.Closing, Is.EqualTo(1), "without a timeout the close keeps its slot until it ends");
        });
    }

    private ResourcePool<Connection> CreatePool(ResourcePoolOptions options, Func<Connection, CancellationToken, ValueTask> destroy)
    {
        var created = 0;
        return new(options, _ => ValueTask.FromResult(new Connection(created++)), destroy: destroy, timeProvider: _time, logger: _logger);
    }

    /// <summary>A lifecycle implemented as a class, as a user would; its closes never end and it records their tokens.</summary>
    private sealed class RecordingLifecycle : IResourceLifecycle<Connection>
    {
        private int _created;

        public List<CancellationToken> Tokens { get; } = [];

        public ValueTask<Connection> CreateAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new Connection(_created++));

        public ValueTask<bool> ValidateAsync(Connection resource, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask DestroyAsync(Connection resource, CancellationToken cancellationToken)
        {
            Tokens.Add(cancellationToken);
            return new ValueTask(new TaskCompletionSource().Task);
        }
    }
}
