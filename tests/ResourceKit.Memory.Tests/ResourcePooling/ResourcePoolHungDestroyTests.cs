using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Memory.Tests.Support;
using Connection = ResourceKit.Memory.Tests.ResourcePooling.ResourcePoolTests.Connection;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>A close (destroy) that never ends, or fails, must not hang disposal, callers or pruning, nor leak slots.</summary>
public sealed class ResourcePoolHungDestroyTests
{
    private const int DestroyTimedOutEventId = 29;
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(10); // only bounds a failing run
    private static readonly TimeSpan DestroyTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private FakeTimeProvider _time = null!;
    private FakeLogger<ResourcePool<Connection>> _logger = null!;
    private List<Connection> _created = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _logger = new FakeLogger<ResourcePool<Connection>>();
        _created = [];
    }

    [Test]
    public async Task DisposeAsync_DestroyNeverCompletes_CompletesOnceTheDestroyTimeoutPasses()
    {
        var never = new TaskCompletionSource();
        var pool = CreatePool(new ResourcePoolOptions { Name = "browsers", MinSize = 2, MaxSize = 2, DestroyTimeout = DestroyTimeout }, _ => new ValueTask(never.Task));
        await pool.WarmUpAsync();

        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        Assert.That(disposing.IsCompleted, Is.False, "it waits for the closes while they may still end");
        _time.Advance(Tick);
        await disposing.WaitAsync(FailAfter);

        var stats = pool.Statistics;
        var warnings = _logger.Collector.GetSnapshot().Where(r => r.Id.Id == DestroyTimedOutEventId).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(stats.DestroyTimeouts, Is.EqualTo(2));
            Assert.That(stats.Destroyed, Is.EqualTo(2));
            Assert.That(stats.Total, Is.Zero);
            Assert.That(warnings, Has.Count.EqualTo(2).And.All.Matches<FakeLogRecord>(r => r.Level == LogLevel.Warning));
            Assert.That(warnings[0].Message, Is.EqualTo("Pool browsers: closing a resource took longer than 00:00:05; the pool stopped waiting for it."));
        });
    }

    [Test]
    public async Task PruneTimer_IdleEvictionDestroyNeverCompletes_DisposeAsyncWaitsForItOnlyUntilTheTimeout()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxIdleTime = TimeSpan.FromMinutes(1), PruneInterval = TimeSpan.FromMinutes(1), DestroyTimeout = DestroyTimeout };
        var closing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pool = CreatePool(options, _ =>
        {
            closing.TrySetResult();
            return new ValueTask(new TaskCompletionSource().Task); // never ends
        });
        (await pool.AcquireAsync()).Dispose();

        _time.Advance(TimeSpan.FromMinutes(1)); // the idle resource is evicted and its close hangs
        await closing.Task.WaitAsync(FailAfter);
        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        Assert.That(disposing.IsCompleted, Is.False, "disposal waits for a close still running");
        _time.Advance(Tick);
        await disposing.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.Zero);
        });
    }

    [Test]
    public async Task DisposeAsync_DestroyEndsWithinTheTimeout_IsAwaitedNotAbandoned()
    {
        var gate = new TaskCompletionSource();
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 1, DestroyTimeout = DestroyTimeout }, _ => new ValueTask(gate.Task));
        await pool.WarmUpAsync();

        var disposing = pool.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        Assert.That(disposing.IsCompleted, Is.False);
        gate.SetResult();
        await disposing.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.DestroyTimeouts, Is.Zero);
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(1));
            Assert.That(_logger.Collector.GetSnapshot().Any(r => r.Id.Id == DestroyTimedOutEventId), Is.False);
        });
    }

    [Test]
    public async Task LeaseDisposeAsync_BrokenAndDestroyEndsWithinTheTimeout_WaitsForTheClose()
    {
        var gate = new TaskCompletionSource();
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, DestroyTimeout = DestroyTimeout }, _ => new ValueTask(gate.Task));
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();

        var returning = lease.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout - Tick);
        Assert.That(returning.IsCompleted, Is.False, "the close is awaited");
        gate.SetResult();
        await returning.WaitAsync(FailAfter);

        Assert.That(pool.Statistics.DestroyTimeouts, Is.Zero);
    }

    [Test]
    public async Task AcquireAsync_ValidationFailsAndDestroyNeverCompletes_ReplacesTheResourceAfterTheDestroyTimeout()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true, DestroyTimeout = DestroyTimeout };
        using var pool = new ResourcePool<Connection>(
            options,
            Create,
            validate: (c, _) => ValueTask.FromResult(c.Id != 0),
            destroy: (c, _) => c.Id == 0 ? new ValueTask(new TaskCompletionSource().Task) : ValueTask.CompletedTask,
            timeProvider: _time,
            logger: _logger);
        (await pool.AcquireAsync()).Dispose();

        var acquiring = pool.AcquireAsync().AsTask();
        Assert.That(acquiring.IsCompleted, Is.False, "the failed resource's close is awaited");
        _time.Advance(DestroyTimeout);
        using var lease = await acquiring.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(lease.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_AbandonedCreateOpensLateAndItsCloseHangs_SlotComesBackAfterTheDestroyTimeout()
    {
        var late = new TaskCompletionSource<Connection>(); // completes inline
        var calls = 0;
        using var pool = new ResourcePool<Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1, CreateTimeout = TimeSpan.FromSeconds(1), DestroyTimeout = DestroyTimeout },
            _ => calls++ == 0 ? new ValueTask<Connection>(late.Task) : ValueTask.FromResult(new Connection(calls)),
            destroy: (c, _) => c.Id < 0 ? new ValueTask(new TaskCompletionSource().Task) : ValueTask.CompletedTask,
            timeProvider: _time);
        var abandoned = pool.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(async () => await abandoned, Throws.TypeOf<ResourcePoolTimeoutException>());

        late.SetResult(new Connection(-1)); // opens after the caller gave up; its close hangs
        var next = pool.AcquireAsync().AsTask();
        Assert.That(next.IsCompleted, Is.False, "the slot is held while the late close may still end");
        _time.Advance(DestroyTimeout);
        using var lease = await next.WaitAsync(FailAfter);

        Assert.That(lease.Resource.Id, Is.EqualTo(2));
    }

    [Test]
    public async Task DisposeAsync_DestroyThrows_CompletesAndFreesEverySlot()
    {
        var pool = CreatePool(
            new ResourcePoolOptions { MinSize = 2, MaxSize = 2 },
            c => c.Id == 0 ? throw new InvalidOperationException("close threw") : new ValueTask(Task.FromException(new InvalidOperationException("close faulted"))));
        await pool.WarmUpAsync();

        await pool.DisposeAsync().AsTask().WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Total, Is.Zero);
            Assert.That(pool.Statistics.Destroyed, Is.EqualTo(2));
            Assert.That(_logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Error), Is.EqualTo(2), "each failure is logged");
        });
    }

    [Test]
    public async Task LeaseDispose_BrokenAndDestroyFaultsLater_SlotIsFreedWhenItFaultsAndThePoolServes()
    {
        var gate = new TaskCompletionSource();
        using var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, MaxSize = 1 }, async _ =>
        {
            await gate.Task;
            throw new InvalidOperationException("close faulted");
        });
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();

        lease.Dispose();
        var next = pool.AcquireAsync().AsTask();
        var servedWhileClosing = next.IsCompleted;
        gate.SetResult();
        using var replacement = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(servedWhileClosing, Is.False, "the closing resource keeps its slot");
            Assert.That(replacement.Resource.Id, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
            Assert.That(_logger.Collector.GetSnapshot().Count(r => r.Level == LogLevel.Error), Is.EqualTo(1), "the failure is logged");
        });
    }

    [Test]
    [NonParallelizable] // listens to the process-wide unobserved task exception event
    public async Task Trim_DestroyAbandonedThenFaults_ItsFailureIsObserved()
    {
        var marker = $"close failed late {Guid.NewGuid()}";
        using var unobserved = new UnobservedExceptionProbe(marker);
        var gate = new TaskCompletionSource(); // completes inline: the close fails during SetResult

        await AbandonCloseAsync(gate, marker);
        gate.SetResult();

        Assert.That(unobserved.CountAfterCollecting(), Is.Zero, "the abandoned close's failure was observed");
    }

    [Test]
    public async Task DestroyTimeouts_AfterAnAbandonedClose_PublishedAsCounter()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var timeouts = new MetricCollector<long>(meterFactory, MemoryTelemetry.MeterName, "resourcekit.memory.resource_pool.destroy_timeouts");
        var options = new ResourcePoolOptions { Name = "tts", MinSize = 0, DestroyTimeout = DestroyTimeout };
        await using var pool = new ResourcePool<Connection>(options, Create, destroy: (_, _) => new ValueTask(new TaskCompletionSource().Task), timeProvider: _time, meterFactory: meterFactory);
        var lease = await pool.AcquireAsync();
        lease.MarkBroken();

        var returning = lease.DisposeAsync().AsTask();
        _time.Advance(DestroyTimeout);
        await returning.WaitAsync(FailAfter);
        timeouts.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(timeouts.LastMeasurement?.Value, Is.EqualTo(1));
            Assert.That(timeouts.LastMeasurement?.Tags["pool"], Is.EqualTo("tts"));
        });
    }

    [TestCase(0)]
    [TestCase(-1000)]
    [TestCase(86_400_001)]
    public void Constructor_DestroyTimeoutOutOfRange_Throws(int milliseconds)
    {
        var options = new ResourcePoolOptions { DestroyTimeout = TimeSpan.FromMilliseconds(milliseconds), CreateTimeout = TimeSpan.Zero };

        Assert.That(
            () => CreatePool(options, _ => ValueTask.CompletedTask),
            Throws.ArgumentException.With.Message.Contains("DestroyTimeout (").And.Message.Contains("CreateTimeout ("));
    }

    [Test]
    public void Validate_DestroyTimeoutInfiniteOrOneDay_Accepted()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new ResourcePoolOptions { DestroyTimeout = Timeout.InfiniteTimeSpan }.Validate(), Is.Empty);
            Assert.That(new ResourcePoolOptions { DestroyTimeout = TimeSpan.FromDays(1) }.Validate(), Is.Empty);
            Assert.That(new ResourcePoolOptions().DestroyTimeout, Is.EqualTo(ResourcePoolOptions.DefaultCreateTimeout));
        });
    }

    /// <summary>Trims an idle resource whose close (waiting on <paramref name="gate"/>, then failing) outlives the timeout; keeps nothing alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task AbandonCloseAsync(TaskCompletionSource gate, string failure)
    {
        var pool = CreatePool(new ResourcePoolOptions { MinSize = 0, DestroyTimeout = DestroyTimeout }, _ => new ValueTask(FailAfterAsync(gate, failure)));
        (await pool.AcquireAsync()).Dispose();
        pool.Trim(1);
        var disposing = pool.DisposeAsync().AsTask(); // waits for the close until it is abandoned
        _time.Advance(DestroyTimeout);
        await disposing.WaitAsync(FailAfter);
        Assert.That(pool.Statistics.DestroyTimeouts, Is.EqualTo(1));

        static async Task FailAfterAsync(TaskCompletionSource gate, string failure)
        {
            await gate.Task;
            throw new InvalidOperationException(failure);
        }
    }

    private ResourcePool<Connection> CreatePool(ResourcePoolOptions options, Func<Connection, ValueTask> destroy) =>
        new(options, Create, destroy: (c, _) => destroy(c), timeProvider: _time, logger: _logger);

    private ValueTask<Connection> Create(CancellationToken cancellationToken)
    {
        var connection = new Connection(_created.Count);
        _created.Add(connection);
        return ValueTask.FromResult(connection);
    }
}
