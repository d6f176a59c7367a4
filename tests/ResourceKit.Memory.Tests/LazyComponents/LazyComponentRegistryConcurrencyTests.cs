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

    private sealed class Model(string name) : IDisposable
    {
        public string Name { get; } = name;

        public Action? OnDispose { get; set; }

        public void Dispose() => OnDispose?.Invoke();
    }
}
