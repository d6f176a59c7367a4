namespace ResourceKit.Caching.Tests.InMemory;

public sealed class TinyLfuCacheLoadingTests
{
    private const int Callers = 64;

    [Test]
    public void GetOrAdd_Hit_DoesNotRunFactory()
    {
        using var cache = TestCaches.Create(10);
        cache.Set(1, 10);

        Assert.That(cache.GetOrAdd(1, _ => throw new InvalidOperationException("must not run")), Is.EqualTo(10));
    }

    [Test]
    public void GetOrAdd_Miss_CachesFactoryResult()
    {
        using var cache = TestCaches.Create(10);

        Assert.Multiple(() =>
        {
            Assert.That(cache.GetOrAdd(1, key => key * 10), Is.EqualTo(10));
            Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(10));
        });
    }

    [Test]
    public async Task GetOrAddAsync_ConcurrentCallers_RunFactoryOnce()
    {
        using var cache = TestCaches.Create(10);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;

        var callers = Enumerable.Range(0, Callers).Select(_ => cache.GetOrAddAsync(7, async (key, _) =>
        {
            Interlocked.Increment(ref runs);
            await gate.Task;
            return key * 3;
        }).AsTask()).ToArray();
        Assert.That(cache.WaitersFor(7), Is.EqualTo(Callers));
        gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(results, Is.All.EqualTo(21));
            Assert.That(cache.TryGet(7, out _), Is.True);
        });
    }

    [Test]
    public void GetOrAdd_ConcurrentThreads_RunFactoryOnce()
    {
        using var cache = TestCaches.Create(10);
        using var gate = new ManualResetEventSlim();
        var runs = 0;
        var results = new int[Callers];

        var threads = Enumerable.Range(0, Callers).Select(i => new Thread(() => results[i] = cache.GetOrAdd(7, key =>
        {
            Interlocked.Increment(ref runs);
            gate.Wait();
            return key * 3;
        }))).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        // Every caller is waiting on the one flight before the factory may finish.
        Assert.That(SpinWait.SpinUntil(() => cache.WaitersFor(7) == Callers, TimeSpan.FromSeconds(10)), Is.True);
        gate.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.Multiple(() =>
        {
            Assert.That(runs, Is.EqualTo(1));
            Assert.That(results, Is.All.EqualTo(21));
        });
    }

    [Test]
    public async Task GetOrAddAsync_FactoryThrows_EveryWaiterGetsExceptionAndNothingIsCached()
    {
        using var cache = TestCaches.Create(10);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, Callers).Select(_ => cache.GetOrAddAsync(1, async (_, _) =>
        {
            await gate.Task;
            throw new InvalidOperationException("boom");
        }).AsTask()).ToArray();
        gate.SetResult();

        foreach (var caller in callers)
        {
            var exception = Assert.ThrowsAsync<InvalidOperationException>(async () => await caller);
            Assert.That(exception!.Message, Is.EqualTo("boom"));
        }

        Assert.That(cache.TryGet(1, out _), Is.False);
        Assert.That(await cache.GetOrAddAsync(1, (_, _) => ValueTask.FromResult(5)), Is.EqualTo(5));
    }

    [Test]
    public void GetOrAdd_FactoryThrows_NothingIsCachedAndNextCallRetries()
    {
        using var cache = TestCaches.Create(10);

        Assert.Throws<InvalidOperationException>(() => cache.GetOrAdd(1, _ => throw new InvalidOperationException()));
        Assert.That(cache.GetOrAdd(1, _ => 2), Is.EqualTo(2));
    }

    [Test]
    public async Task GetOrAddAsync_OneWaiterCancels_OthersStillGetValueAndFactoryIsNotCancelled()
    {
        using var cache = TestCaches.Create(10);
        using var cancellation = new CancellationTokenSource();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factoryToken = CancellationToken.None;
        Func<int, CancellationToken, ValueTask<int>> factory = async (_, token) =>
        {
            factoryToken = token;
            await gate.Task;
            return 42;
        };

        var cancelled = cache.GetOrAddAsync(1, factory, cancellation.Token).AsTask();
        var patient = cache.GetOrAddAsync(1, factory).AsTask();
        await cancellation.CancelAsync();

        Assert.ThrowsAsync<TaskCanceledException>(async () => await cancelled);
        Assert.That(factoryToken.IsCancellationRequested, Is.False);
        gate.SetResult();
        Assert.That(await patient, Is.EqualTo(42));
        Assert.That(cache.TryGet(1, out _), Is.True);
    }

    [Test]
    public async Task GetOrAddAsync_EveryWaiterCancels_FactoryTokenIsCancelledAndNothingCached()
    {
        using var cache = TestCaches.Create(10);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var factoryStopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<int, CancellationToken, ValueTask<int>> factory = async (_, token) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
                return 1;
            }
            finally
            {
                factoryStopped.SetResult();
            }
        };

        var a = cache.GetOrAddAsync(1, factory, first.Token).AsTask();
        var b = cache.GetOrAddAsync(1, factory, second.Token).AsTask();
        await first.CancelAsync();
        await second.CancelAsync();

        Assert.ThrowsAsync<TaskCanceledException>(async () => await a);
        Assert.ThrowsAsync<TaskCanceledException>(async () => await b);
        await factoryStopped.Task;
        Assert.That(cache.TryGet(1, out _), Is.False);
        Assert.That(await cache.GetOrAddAsync(1, (_, _) => ValueTask.FromResult(9)), Is.EqualTo(9));
    }

    [Test]
    public void GetOrAddAsync_AlreadyCancelledToken_ReturnsCancelledWithoutRunningFactory()
    {
        using var cache = TestCaches.Create(10);
        var runs = 0;

        var result = cache.GetOrAddAsync(1, (_, _) =>
        {
            runs++;
            return ValueTask.FromResult(1);
        }, new CancellationToken(canceled: true));

        Assert.Multiple(() =>
        {
            Assert.That(result.IsCanceled, Is.True);
            Assert.That(runs, Is.Zero);
        });
    }

    [Test]
    public void GetOrAdd_FactoryReturnsNull_ThrowsAndCachesNothing()
    {
        using var cache = TestCaches.Create<int, string>(10);

        Assert.Throws<InvalidOperationException>(() => cache.GetOrAdd(1, _ => null!));
        Assert.ThrowsAsync<InvalidOperationException>(async () => await cache.GetOrAddAsync(1, (_, _) => ValueTask.FromResult<string>(null!)));
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public async Task GetOrAddAsync_SetWhileFactoryRuns_ReturnsTheValueThatWasSet()
    {
        using var cache = TestCaches.Create(10);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var loading = cache.GetOrAddAsync(1, async (_, _) =>
        {
            await gate.Task;
            return 1;
        }).AsTask();
        cache.Set(1, 2);
        gate.SetResult();

        Assert.That(await loading, Is.EqualTo(2));
        Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(2));
    }
}
