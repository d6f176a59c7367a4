using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.LazyComponents;
using ResourceKit.Memory.Tests.Support;

namespace ResourceKit.Memory.Tests.LazyComponents;

/// <summary>Concurrent first loads must respect <see cref="LazyComponentOptions.MaxLoaded"/>.</summary>
public sealed class LazyComponentRegistryConcurrencyTests
{
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(30); // only bounds a failing run

    [Test]
    public async Task GetAsync_ConcurrentFirstLoadsOfDifferentComponents_NeverExceedCap()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 1 }, new FakeTimeProvider());
        var entered = new Dictionary<string, TaskCompletionSource>();
        var release = new Dictionary<string, TaskCompletionSource<Model>>();
        var live = 0;
        var maxLive = 0;
        foreach (var name in new[] { "a", "b" })
        {
            entered[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            release[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            registry.Register(name, async _ =>
            {
                var now = Interlocked.Increment(ref live);
                AtomicMax.Update(ref maxLive, now);
                entered[name].SetResult();
                var model = await release[name].Task;
                model.OnDispose = () => Interlocked.Decrement(ref live);
                return model;
            });
        }

        var getA = registry.GetAsync<Model>("a").AsTask();
        var getB = registry.GetAsync<Model>("b").AsTask();
        var first = await Task.WhenAny(entered["a"].Task, entered["b"].Task).WaitAsync(FailAfter);
        var (firstName, secondName) = first == entered["a"].Task ? ("a", "b") : ("b", "a");
        release[firstName].SetResult(new Model(firstName));
        await entered[secondName].Task.WaitAsync(FailAfter);
        release[secondName].SetResult(new Model(secondName));
        await Task.WhenAll(getA, getB).WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(maxLive, Is.EqualTo(1), "the second load waited for the first and unloaded it before creating");
            Assert.That(registry.Components.Count(c => c.IsLoaded), Is.EqualTo(1));
            Assert.That(live, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetAsync_ManyThreadsManyComponents_LiveInstancesNeverExceedCap()
    {
        const int cap = 2;
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = cap }, new FakeTimeProvider());
        var live = 0;
        var maxLive = 0;
        var names = Enumerable.Range(0, 6).Select(i => $"m{i}").ToArray();
        foreach (var name in names)
        {
            registry.Register(name, async _ =>
            {
                AtomicMax.Update(ref maxLive, Interlocked.Increment(ref live));
                await Task.Yield();
                return new Model(name) { OnDispose = () => Interlocked.Decrement(ref live) };
            });
        }

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await registry.GetAsync<Model>(names[(w + i) % names.Length]);
            }
        }));
        await Task.WhenAll(workers).WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(maxLive, Is.LessThanOrEqualTo(cap), "instances alive or being created at once");
            Assert.That(registry.Components.Count(c => c.IsLoaded), Is.LessThanOrEqualTo(cap));
        });
    }

    [Test]
    public async Task AcquireAsync_CapWaiterResumesBeforeTheLoadsCaller_LeasesTheNewInstanceInsteadOfReloading()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 1 }, new FakeTimeProvider());
        var (gateA, gateB) = RegisterGated(registry, out var loadsOfA);

        var (first, loadB, second) = StartCapWaiterBetweenCallers(registry, () => registry.AcquireAsync<Model>("a").AsTask());
        var a = new Model("a");
        gateA.SetResult(a); // b's cap check may resume first: a must not look idle to it before the acquire has it
        gateB.SetResult(new Model("b"));
        using var lease = await second.WaitAsync(FailAfter);
        await loadB.WaitAsync(FailAfter);
        await first.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(lease.Component, Is.SameAs(a));
            Assert.That(a.Disposed, Is.False);
            Assert.That(loadsOfA(), Is.EqualTo(1), "the acquire got the instance its load created, without loading again");
            Assert.That(registry.IsLoaded("b"), Is.True, "everything else was in use, so b went over the cap");
        });
    }

    [Test]
    public async Task GetAsync_CapWaiterResumesBeforeTheLoadsCallers_NeverReturnsADisposedInstance()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 1 }, new FakeTimeProvider());
        var (gateA, gateB) = RegisterGated(registry, out var loadsOfA);

        // The acquire joining after the get keeps a loaded afterwards, so "not disposed" below is stable, not a race.
        var (first, loadB, callers) = StartCapWaiterBetweenCallers(registry, () => Task.FromResult((Get: registry.GetAsync<Model>("a").AsTask(), Acquire: registry.AcquireAsync<Model>("a").AsTask())));
        var (second, holder) = callers.Result;
        var a = new Model("a");
        gateA.SetResult(a); // b's cap check may resume before the callers: a must not look idle to it yet
        gateB.SetResult(new Model("b"));
        var returned = await second.WaitAsync(FailAfter);
        using var lease = await holder.WaitAsync(FailAfter);
        await Task.WhenAll(first, loadB).WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(returned, Is.SameAs(a));
            Assert.That(a.Disposed, Is.False, "the cap did not unload a before its callers had it");
            Assert.That(lease.Component, Is.SameAs(a));
            Assert.That(loadsOfA(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetAsync_CallerGivesUpDuringLoad_DoesNotKeepTheInstanceFromEviction()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 0 }, new FakeTimeProvider());
        var (gateA, _) = RegisterGated(registry, out _);
        using var cts = new CancellationTokenSource();

        var abandoned = registry.GetAsync<Model>("a", cts.Token).AsTask();
        await cts.CancelAsync();
        Assert.That(async () => await abandoned, Throws.InstanceOf<OperationCanceledException>());
        var again = registry.GetAsync<Model>("a").AsTask();
        gateA.SetResult(new Model("a"));
        await again.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(registry.Trim(1), Is.EqualTo(100), "no hand-off is left over from the caller that gave up");
            Assert.That(registry.IsLoaded("a"), Is.False);
        });
    }

    /// <summary>
    /// Starts a's load with an unprotected <see cref="LazyComponentRegistry.GetAsync{T}"/>, then b's load (which finds the only cap place taken and waits for
    /// a's load), then a second <paramref name="callA"/>: b's wait is registered on a's load before the second caller's.
    /// </summary>
    private static (Task<Model> First, Task<Model> LoadB, Task<TResult> Second) StartCapWaiterBetweenCallers<TResult>(LazyComponentRegistry registry, Func<Task<TResult>> callA)
    {
        using (ManualSynchronizationContext.Install(out var context))
        {
            var first = registry.GetAsync<Model>("a").AsTask();
            context.RunPending(); // a's factory runs and waits on its gate, holding the only place
            var loadB = registry.GetAsync<Model>("b").AsTask();
            context.RunPending(); // b finds the cap full and waits for a's load
            var second = callA();
            return (first, loadB, second);
        }
    }

    private static (TaskCompletionSource<Model> GateA, TaskCompletionSource<Model> GateB) RegisterGated(LazyComponentRegistry registry, out Func<int> loadsOfA)
    {
        var gateA = new TaskCompletionSource<Model>(); // completes inline: continuations run in the order they were registered
        var gateB = new TaskCompletionSource<Model>();
        var loads = 0;
        registry.Register("a", _ => loads++ == 0 ? new ValueTask<Model>(gateA.Task) : ValueTask.FromResult(new Model("a again")), new LazyComponentSettings { EstimatedBytes = 100 });
        registry.Register("b", _ => new ValueTask<Model>(gateB.Task));
        loadsOfA = () => loads;
        return (gateA, gateB);
    }

    private sealed class Model(string name) : IDisposable
    {
        public string Name { get; } = name;

        public Action? OnDispose { get; set; }

        public bool Disposed { get; private set; }

        public void Dispose()
        {
            Disposed = true;
            OnDispose?.Invoke();
        }
    }
}
