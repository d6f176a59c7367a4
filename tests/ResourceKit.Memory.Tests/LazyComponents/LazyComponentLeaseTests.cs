using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.LazyComponents;

namespace ResourceKit.Memory.Tests.LazyComponents;

public sealed class LazyComponentLeaseTests
{
    private FakeTimeProvider _time = null!;
    private List<Model> _created = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _created = [];
    }

    [Test]
    public async Task Component_Leased_NotUnloadedByIdleSweepTrimOrCap()
    {
        var options = new LazyComponentOptions { MaxLoaded = 1, IdleTimeout = TimeSpan.FromMinutes(1), SweepInterval = TimeSpan.FromSeconds(10) };
        await using var registry = CreateRegistry(options, "a", "b");
        var lease = await registry.AcquireAsync<Model>("a");

        _time.Advance(TimeSpan.FromMinutes(5));
        var freed = registry.Trim(1);
        await using var b = await registry.AcquireAsync<Model>("b"); // over the cap: "a" is in use

        Assert.Multiple(() =>
        {
            Assert.That(lease.Component.Disposed, Is.False);
            Assert.That(registry.IsLoaded("a"), Is.True);
            Assert.That(freed, Is.Zero);
        });

        await lease.DisposeAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Multiple(() =>
        {
            Assert.That(lease.Component.Disposed, Is.True, "idle once released");
            Assert.That(registry.IsLoaded("b"), Is.True, "still leased");
        });
    }

    [Test]
    public async Task Dispose_ReleasedLease_CountsAsLastUse()
    {
        await using var registry = CreateRegistry(new LazyComponentOptions { IdleTimeout = TimeSpan.FromMinutes(1), SweepInterval = TimeSpan.FromSeconds(10) }, "a");
        var lease = await registry.AcquireAsync<Model>("a");
        _time.Advance(TimeSpan.FromMinutes(10));

        lease.Dispose();
        _time.Advance(TimeSpan.FromSeconds(50));

        Assert.That(registry.IsLoaded("a"), Is.True, "idle for 50 s since the work ended, not 10 min since it began");
    }

    [Test]
    public async Task UnloadAsync_WhileLeased_UnloadsAtOnceAndDisposesOnLastRelease()
    {
        await using var registry = CreateRegistry(new LazyComponentOptions(), "a");
        var first = await registry.AcquireAsync<Model>("a");
        var second = await registry.AcquireAsync<Model>("a");

        var unloaded = await registry.UnloadAsync("a");
        await using var fresh = await registry.AcquireAsync<Model>("a");
        first.Dispose();
        first.Dispose(); // a repeat is ignored, so it cannot release the second lease
        var disposedWhileSecondHeld = first.Component.Disposed;
        await second.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(unloaded, Is.True);
            Assert.That(second.Component, Is.SameAs(first.Component));
            Assert.That(fresh.Component, Is.Not.SameAs(first.Component), "the next caller gets a new instance");
            Assert.That(disposedWhileSecondHeld, Is.False);
            Assert.That(first.Component.Disposed, Is.True);
            Assert.That(fresh.Component.Disposed, Is.False);
        });
    }

    [Test]
    public async Task DisposeAsync_RegistryWhileLeased_DisposesComponentOnRelease()
    {
        var registry = CreateRegistry(new LazyComponentOptions(), "a");
        var lease = await registry.AcquireAsync<Model>("a");

        await registry.DisposeAsync();
        var disposedEarly = lease.Component.Disposed;
        await lease.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(disposedEarly, Is.False);
            Assert.That(lease.Component.Disposed, Is.True);
            Assert.That(async () => await registry.AcquireAsync<Model>("a"), Throws.TypeOf<ObjectDisposedException>());
        });
    }

    [Test]
    public async Task AcquireAsync_UnknownOrWrongType_Throws()
    {
        await using var registry = CreateRegistry(new LazyComponentOptions(), "a");

        Assert.Multiple(() =>
        {
            Assert.That(async () => await registry.AcquireAsync<Model>("missing"), Throws.ArgumentException);
            Assert.That(async () => await registry.AcquireAsync<string>("a"), Throws.ArgumentException.With.Message.Contains("not a String"));
        });
    }

    [Test]
    public async Task AcquireAsync_ManyThreadsWithTrims_NeverHandsOutDisposedComponent()
    {
        await using var registry = CreateRegistry(new LazyComponentOptions { MaxLoaded = 2 }, "a", "b", "c");
        var names = new[] { "a", "b", "c" };
        var sawDisposed = 0;
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await using var lease = await registry.AcquireAsync<Model>(names[(w + i) % names.Length]);
                if (lease.Component.Disposed)
                {
                    Interlocked.Increment(ref sawDisposed);
                }

                if (i % 10 == 0)
                {
                    registry.Trim(1);
                }

                if (lease.Component.Disposed)
                {
                    Interlocked.Increment(ref sawDisposed);
                }
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(sawDisposed, Is.Zero);
    }

    private LazyComponentRegistry CreateRegistry(LazyComponentOptions options, params string[] names)
    {
        var registry = new LazyComponentRegistry(options, _time);
        foreach (var name in names)
        {
            registry.Register(name, _ =>
            {
                var model = new Model(name);
                lock (_created)
                {
                    _created.Add(model);
                }

                return ValueTask.FromResult(model);
            });
        }

        return registry;
    }

    private sealed class Model(string name) : IDisposable
    {
        public string Name { get; } = name;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
