using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Memory.Tests.Support;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>Factories and validators that never finish must not hang callers, hold slots or stop pruning.</summary>
public sealed class ResourcePoolHungLifecycleTests
{
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(30); // only bounds a failing run

    private FakeTimeProvider _time = null!;
    private List<ResourcePoolTests.Connection> _created = null!;
    private HashSet<int> _hangingCalls = null!;
    private int _calls;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _created = [];
        _hangingCalls = [];
        _calls = 0;
    }

    [Test]
    public async Task AcquireAsync_FactoryHangs_TimesOutAfterCreateTimeoutAndFreesSlot()
    {
        _hangingCalls.Add(0);
        using var pool = CreatePool(new ResourcePoolOptions { Name = "db", MinSize = 0, MaxSize = 1 });

        var hung = pool.AcquireAsync(Timeout.InfiniteTimeSpan).AsTask();
        _time.Advance(ResourcePoolOptions.DefaultCreateTimeout);

        Assert.That(hung.IsCompleted, Is.True, "the caller is released when the creation times out");
        var ex = Assert.ThrowsAsync<ResourcePoolTimeoutException>(async () => await hung);
        Assert.That(ex!.PoolName, Is.EqualTo("db"));
        using var next = await pool.AcquireAsync(TimeSpan.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(next.Resource, Is.SameAs(_created.Single()));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1), "the hung creation's slot was given back");
        });
    }

    [Test]
    public async Task AcquireAsync_FactoryIgnoresCancellation_AbandonsItAndClosesWhatItOpensLater()
    {
        var late = new TaskCompletionSource<ResourcePoolTests.Connection>(); // completes inline, so the late close is observable at once
        var calls = 0;
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1, CreateTimeout = TimeSpan.FromSeconds(5) },
            _ => calls++ == 0 ? new ValueTask<ResourcePoolTests.Connection>(late.Task) : ValueTask.FromResult(new ResourcePoolTests.Connection(calls)),
            timeProvider: _time);

        var hung = pool.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.That(hung.IsCompleted, Is.True);
        Assert.That(async () => await hung, Throws.TypeOf<ResourcePoolTimeoutException>().With.Message.Contains("CreateTimeout"));
        var next = pool.AcquireAsync().AsTask();
        Assert.That(next.IsCompleted, Is.False, "the abandoned call still holds the only slot");
        var opensLate = new ResourcePoolTests.Connection(-1);
        late.SetResult(opensLate);
        using var lease = await next.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(opensLate.Disposed, Is.True, "a resource opened after the caller gave up is closed");
            Assert.That(lease.Resource, Is.Not.SameAs(opensLate));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_BackendHangsIgnoringCancellation_StartsAtMostMaxSizeConnects()
    {
        var hung = new List<TaskCompletionSource<ResourcePoolTests.Connection>>();
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 2, CreateTimeout = TimeSpan.FromSeconds(5), AcquireTimeout = TimeSpan.FromSeconds(10) },
            _ =>
            {
                var connect = new TaskCompletionSource<ResourcePoolTests.Connection>();
                hung.Add(connect);
                return new ValueTask<ResourcePoolTests.Connection>(connect.Task);
            },
            timeProvider: _time);

        var first = pool.AcquireAsync().AsTask();
        var second = pool.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));
        var third = pool.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(async () => await first, Throws.TypeOf<ResourcePoolTimeoutException>());
            Assert.That(async () => await second, Throws.TypeOf<ResourcePoolTimeoutException>());
            Assert.That(async () => await third, Throws.TypeOf<ResourcePoolTimeoutException>(), "it waited for a slot and timed out");
            Assert.That(hung, Has.Count.EqualTo(2), "no connect beyond MaxSize while the abandoned ones still run");
            Assert.That(pool.Statistics.Total, Is.EqualTo(2));
        });

        hung[0].SetException(new InvalidOperationException("connect refused at last"));
        var fourth = pool.AcquireAsync().AsTask();
        hung[2].SetResult(new ResourcePoolTests.Connection(2));
        using var lease = await fourth.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(hung, Has.Count.EqualTo(3), "the slot came back when the abandoned connect ended");
            Assert.That(lease.Resource.Id, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task AcquireAsync_FactoryTimesOut_AbandonedCallKeepsAUsableToken()
    {
        var gate = new TaskCompletionSource();
        var tokenError = new TaskCompletionSource<Exception?>();
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1, CreateTimeout = TimeSpan.FromSeconds(5) },
            async ct =>
            {
                await gate.Task;
                tokenError.SetResult(TokenProbe.Use(ct));

                return new ResourcePoolTests.Connection(0);
            },
            timeProvider: _time);

        var hung = pool.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(async () => await hung, Throws.TypeOf<ResourcePoolTimeoutException>());
        gate.SetResult();

        Assert.That(await tokenError.Task.WaitAsync(FailAfter), Is.Null, "the token's sources live until the abandoned call ends");
    }

    [Test]
    public async Task AcquireAsync_CallerCancelsHungFactoryThatIgnoresToken_ThrowsAndFreesSlotWhenTheCallEnds()
    {
        var never = new TaskCompletionSource<ResourcePoolTests.Connection>(); // completes inline
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1 },
            _ => new ValueTask<ResourcePoolTests.Connection>(never.Task),
            timeProvider: _time);
        using var cts = new CancellationTokenSource();

        var hung = pool.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        Assert.That(hung.IsCompleted, Is.True);
        Assert.That(async () => await hung, Throws.InstanceOf<OperationCanceledException>().With.Property(nameof(OperationCanceledException.CancellationToken)).EqualTo(cts.Token));
        Assert.That(pool.Statistics.Total, Is.EqualTo(1), "the abandoned call keeps its slot while it runs");
        var opensLate = new ResourcePoolTests.Connection(-1);
        never.SetResult(opensLate);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.Total, Is.Zero);
            Assert.That(opensLate.Disposed, Is.True);
        });
    }

    [Test]
    public async Task AcquireAsync_ValidatorHangs_ReplacesResourceAfterValidationTimeout()
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            options,
            Create,
            validate: async (c, ct) =>
            {
                if (c.Id == 0)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                }

                return true;
            },
            timeProvider: _time);
        (await pool.AcquireAsync()).Dispose();

        var acquiring = pool.AcquireAsync().AsTask();
        _time.Advance(ResourcePoolOptions.DefaultValidationTimeout);

        Assert.That(acquiring.IsCompleted, Is.True, "the caller is not held by a hung validator");
        using var lease = await acquiring;
        Assert.Multiple(() =>
        {
            Assert.That(lease.Resource.Id, Is.EqualTo(1));
            Assert.That(_created[0].Disposed, Is.True, "the resource whose validation hung was closed");
            Assert.That(pool.Statistics.ValidationFailures, Is.EqualTo(1));
            Assert.That(pool.Statistics.Total, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task AcquireAsync_CallerCancelsValidatorThatIgnoresToken_ClosesResourceInsteadOfReusingIt()
    {
        var never = new TaskCompletionSource<bool>();
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(options, Create, validate: (_, _) => new ValueTask<bool>(never.Task), timeProvider: _time);
        (await pool.AcquireAsync(TimeSpan.Zero)).Dispose();
        using var cts = new CancellationTokenSource();

        var acquiring = pool.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        Assert.That(acquiring.IsCompleted, Is.True);
        Assert.That(async () => await acquiring, Throws.InstanceOf<OperationCanceledException>());
        Assert.Multiple(() =>
        {
            Assert.That(_created[0].Disposed, Is.True, "a validator may still be using it");
            Assert.That(pool.Statistics.Total, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_CallerCancelsHungValidatorAndCloseHangs_ReturnsAtOnceAndClosesInBackground()
    {
        var never = new TaskCompletionSource<bool>();
        var closing = new TaskCompletionSource();
        var closes = 0;
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            options,
            Create,
            validate: (_, _) => new ValueTask<bool>(never.Task),
            destroy: (_, _) =>
            {
                closes++;
                return new ValueTask(closing.Task); // ignores its token
            },
            timeProvider: _time);
        (await pool.AcquireAsync(TimeSpan.Zero)).Dispose();
        using var cts = new CancellationTokenSource();

        var acquiring = pool.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync(); // the clock does not move: nothing may wait for the close's timeout

        Assert.That(acquiring.IsCompleted, Is.True, "a cancelled caller does not wait for the close");
        Assert.That(async () => await acquiring, Throws.InstanceOf<OperationCanceledException>().With.Property(nameof(OperationCanceledException.CancellationToken)).EqualTo(cts.Token));
        Assert.Multiple(() =>
        {
            Assert.That(closes, Is.EqualTo(1), "the resource is being closed");
            Assert.That(pool.Statistics.Closing, Is.EqualTo(1), "and keeps its place until the close ends");
        });

        _time.Advance(ResourcePoolOptions.DefaultDestroyTimeout);

        Assert.That(pool.Statistics.Total, Is.Zero, "the hung close was abandoned after DestroyTimeout");
    }

    [Test]
    [NonParallelizable] // listens to the process-wide unobserved task exception event
    public async Task AcquireAsync_CallerCancelsValidatorThatFailsLater_ItsFailureIsObserved()
    {
        var marker = $"validator failed late {Guid.NewGuid()}";
        using var unobserved = new UnobservedExceptionProbe(marker);
        var gate = new TaskCompletionSource(); // completes inline: the validator fails during SetResult

        await CancelDuringValidationAsync(gate, marker);
        gate.SetResult();

        Assert.That(unobserved.CountAfterCollecting(), Is.Zero, "the abandoned validation's failure was observed");
    }

    [Test]
    public async Task PruneTimer_RefillHangs_LaterTicksStillRefillAndDetectLeaks()
    {
        var options = new ResourcePoolOptions
        {
            MinSize = 2,
            MaxSize = 2,
            PruneInterval = TimeSpan.FromMinutes(1),
            LeakDetectionThreshold = TimeSpan.FromMinutes(2),
            CaptureAcquisitionStackTraces = false,
        };
        _hangingCalls.Add(1); // the first refill hangs
        using var pool = CreatePool(options);
        var leaks = 0;
        pool.LeakDetected += (_, _) => leaks++;
        using var held = await pool.AcquireAsync();

        _time.Advance(TimeSpan.FromMinutes(1)); // refill starts and hangs
        _time.Advance(ResourcePoolOptions.DefaultCreateTimeout); // ... and is given up
        _time.Advance(TimeSpan.FromMinutes(1) - ResourcePoolOptions.DefaultCreateTimeout); // the next tick runs

        Assert.Multiple(() =>
        {
            Assert.That(leaks, Is.EqualTo(1), "leak detection still runs");
            Assert.That(pool.Statistics.Idle, Is.EqualTo(1), "the next refill succeeded");
            Assert.That(pool.Statistics.Total, Is.EqualTo(2));
        });
    }

    [Test]
    public void Constructor_BadLifecycleTimeouts_ListsBoth()
    {
        var options = new ResourcePoolOptions { CreateTimeout = TimeSpan.Zero, ValidationTimeout = TimeSpan.FromSeconds(-3) };

        Assert.That(
            () => CreatePool(options),
            Throws.ArgumentException.With.Message.Contains("CreateTimeout").And.Message.Contains("ValidationTimeout"));
    }

    [Test]
    public void Constructor_InfiniteLifecycleTimeouts_Accepted()
    {
        var options = new ResourcePoolOptions { CreateTimeout = Timeout.InfiniteTimeSpan, ValidationTimeout = Timeout.InfiniteTimeSpan };

        Assert.That(options.Validate(), Is.Empty);
    }

    /// <summary>Borrows with validation and cancels while the validator (which ignores its token) waits on <paramref name="gate"/>; keeps nothing alive.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task CancelDuringValidationAsync(TaskCompletionSource gate, string failure)
    {
        var options = new ResourcePoolOptions { MinSize = 0, MaxSize = 1, ValidateOnAcquire = true };
        await using var pool = new ResourcePool<ResourcePoolTests.Connection>(
            options,
            Create,
            validate: async (_, _) =>
            {
                await gate.Task;
                throw new InvalidOperationException(failure);
            },
            timeProvider: _time);
        (await pool.AcquireAsync(TimeSpan.Zero)).Dispose();
        using var cts = new CancellationTokenSource();
        var acquiring = pool.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        Assert.That(async () => await acquiring, Throws.InstanceOf<OperationCanceledException>());
    }

    private ResourcePool<ResourcePoolTests.Connection> CreatePool(ResourcePoolOptions options) =>
        new(options, Create, timeProvider: _time);

    private async ValueTask<ResourcePoolTests.Connection> Create(CancellationToken cancellationToken)
    {
        if (_hangingCalls.Contains(_calls++))
        {
            // Hangs until cancelled and then ends inline (Task.Delay would end on the thread pool a moment later),
            // so the abandoned call has given its slot back by the time the clock move that cancelled it returns.
            var cancelled = new TaskCompletionSource();
            await using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
            {
                await cancelled.Task;
            }
        }

        var connection = new ResourcePoolTests.Connection(_created.Count);
        _created.Add(connection);
        return connection;
    }
}
