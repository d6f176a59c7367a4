using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.LazyComponents;

using ResourceKit.Testing;

namespace ResourceKit.Memory.Tests.LazyComponents;

public sealed class LazyComponentRegistryTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider();

    [Test]
    public async Task GetAsync_FirstUse_CreatesOnceAndRecordsInitTime()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        var creations = 0;
        registry.Register("tts", async _ =>
        {
            creations++;
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
            return new Model("tts");
        });

        var notLoadedBefore = !registry.IsLoaded("tts");
        var first = await registry.GetAsync<Model>("tts");
        var second = await registry.GetAsync<Model>("tts");
        var info = registry.Components.Single();

        Assert.Multiple(() =>
        {
            Assert.That(notLoadedBefore, Is.True);
            Assert.That(second, Is.SameAs(first));
            Assert.That(creations, Is.EqualTo(1));
            Assert.That(info.LastInitTime, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.That(info.LoadCount, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task GetAsync_ConcurrentFirstCalls_ShareOneCreation()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        var gate = new TaskCompletionSource<Model>(TaskCreationOptions.RunContinuationsAsynchronously);
        var creations = 0;
        registry.Register("llm", _ =>
        {
            Interlocked.Increment(ref creations);
            return new ValueTask<Model>(gate.Task);
        });

        var calls = Enumerable.Range(0, 8).Select(_ => registry.GetAsync<Model>("llm").AsTask()).ToList();
        gate.SetResult(new Model("llm"));
        var results = await Task.WhenAll(calls);

        Assert.Multiple(() =>
        {
            Assert.That(creations, Is.EqualTo(1));
            Assert.That(results.Distinct().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task DisposeAsync_WhileLoading_DisposesLateInstanceAndFailsWaiters()
    {
        var registry = new LazyComponentRegistry(timeProvider: _time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource<Model>(TaskCreationOptions.RunContinuationsAsynchronously);
        registry.Register("browser", _ =>
        {
            started.TrySetResult();
            return new ValueTask<Model>(gate.Task);
        });
        var waiting = registry.GetAsync<Model>("browser").AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await registry.DisposeAsync();
        var late = new Model("browser");
        gate.SetResult(late);

        Assert.That(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(10)), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(late.Disposed, Is.True);
    }

    [Test]
    public async Task GetAsync_FactoryThrows_NextCallRetries()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        var attempts = 0;
        registry.Register("browser", _ => ++attempts == 1 ? throw new InvalidOperationException("no display") : ValueTask.FromResult(new Model("browser")));

        Assert.That(async () => await registry.GetAsync<Model>("browser"), Throws.InvalidOperationException);
        Assert.That((await registry.GetAsync<Model>("browser")).Name, Is.EqualTo("browser"));
    }

    [Test]
    public async Task GetAsync_CapReached_UnloadsLeastRecentlyUsed()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 2, Strategy = UnloadStrategy.Lru }, _time);
        var models = RegisterModels(registry, "a", "b", "c");
        await registry.GetAsync<Model>("a");
        _time.Advance(TimeSpan.FromSeconds(1));
        await registry.GetAsync<Model>("b");
        _time.Advance(TimeSpan.FromSeconds(1));
        await registry.GetAsync<Model>("a");

        await registry.GetAsync<Model>("c");

        Assert.Multiple(() =>
        {
            Assert.That(registry.IsLoaded("b"), Is.False);
            Assert.That(registry.IsLoaded("a"), Is.True);
            Assert.That(registry.IsLoaded("c"), Is.True);
            Assert.That(models["b"].Single().Disposed, Is.True);
        });
    }

    [Test]
    public async Task GetAsync_CapWithPriorityStrategy_UnloadsLowestPriority()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 2, Strategy = UnloadStrategy.Priority }, _time);
        registry.Register("important", _ => ValueTask.FromResult(new Model("important")), new LazyComponentSettings(Priority: 10));
        registry.Register("cheap", _ => ValueTask.FromResult(new Model("cheap")), new LazyComponentSettings(Priority: 1));
        registry.Register("new", _ => ValueTask.FromResult(new Model("new")));
        await registry.GetAsync<Model>("cheap");
        _time.Advance(TimeSpan.FromSeconds(1));
        await registry.GetAsync<Model>("important");
        _time.Advance(TimeSpan.FromSeconds(1));
        await registry.GetAsync<Model>("cheap");

        await registry.GetAsync<Model>("new");

        Assert.Multiple(() =>
        {
            Assert.That(registry.IsLoaded("cheap"), Is.False);
            Assert.That(registry.IsLoaded("important"), Is.True);
        });
    }

    [Test]
    public async Task GetAsync_CapWithHybridStrategy_WeighsIdleTimeByPriority()
    {
        await using var registry = new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = 2, Strategy = UnloadStrategy.Hybrid }, _time);
        registry.Register("important", _ => ValueTask.FromResult(new Model("important")), new LazyComponentSettings(Priority: 9));
        registry.Register("cheap", _ => ValueTask.FromResult(new Model("cheap")));
        registry.Register("new", _ => ValueTask.FromResult(new Model("new")));
        await registry.GetAsync<Model>("important");
        _time.Advance(TimeSpan.FromSeconds(50));
        await registry.GetAsync<Model>("cheap");
        _time.Advance(TimeSpan.FromSeconds(10));

        await registry.GetAsync<Model>("new");

        // important: 60 s idle / 10 = 6; cheap: 10 s idle / 1 = 10 → cheap goes although it was used more recently.
        Assert.That(registry.IsLoaded("cheap"), Is.False);
    }

    [Test]
    public async Task SweepTimer_IdlePastTimeout_UnloadsAndRecreatesOnNextUse()
    {
        var options = new LazyComponentOptions { IdleTimeout = TimeSpan.FromMinutes(5), SweepInterval = TimeSpan.FromMinutes(1) };
        await using var registry = new LazyComponentRegistry(options, _time);
        var models = RegisterModels(registry, "stt");
        await registry.GetAsync<Model>("stt");

        _time.Advance(TimeSpan.FromMinutes(4));
        var loadedBeforeTimeout = registry.IsLoaded("stt");
        _time.Advance(TimeSpan.FromMinutes(2));
        var loadedAfterTimeout = registry.IsLoaded("stt");
        await registry.GetAsync<Model>("stt");

        Assert.Multiple(() =>
        {
            Assert.That(loadedBeforeTimeout, Is.True);
            Assert.That(loadedAfterTimeout, Is.False);
            Assert.That(models["stt"], Has.Count.EqualTo(2));
            Assert.That(models["stt"][0].Disposed, Is.True);
            Assert.That(registry.Components.Single().UnloadCount, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task SweepTimer_UnloadLogThrows_TimerDoesNotThrowAndDisposesEveryDetachedComponent()
    {
        var options = new LazyComponentOptions { IdleTimeout = TimeSpan.FromMinutes(5), SweepInterval = TimeSpan.FromMinutes(1) };
        var logger = new ThrowingLogger<LazyComponentRegistry>(44); // 44: unloaded for idleness
        await using var registry = new LazyComponentRegistry(options, _time, logger);
        var models = RegisterModels(registry, "stt", "tts");
        await registry.GetAsync<Model>("stt");
        await registry.GetAsync<Model>("tts");

        Assert.That(() => _time.Advance(TimeSpan.FromMinutes(6)), Throws.Nothing, "a timer callback must never throw");

        Assert.Multiple(() =>
        {
            Assert.That(logger.Thrown, Is.GreaterThanOrEqualTo(1));
            Assert.That(models["stt"].Single().Disposed, Is.True);
            Assert.That(models["tts"].Single().Disposed, Is.True);
            Assert.That(registry.IsLoaded("stt") || registry.IsLoaded("tts"), Is.False);
        });
    }

    [Test]
    public async Task Trim_Half_UnloadsHalfOfUnpinnedAndReportsEstimate()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        for (var i = 0; i < 4; i++)
        {
            var name = $"m{i}";
            registry.Register(name, _ => ValueTask.FromResult(new Model(name)), new LazyComponentSettings(EstimatedBytes: 1000, Pinned: i == 0));
            await registry.GetAsync<Model>(name);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var freed = registry.Trim(0.5);

        Assert.Multiple(() =>
        {
            Assert.That(freed, Is.EqualTo(2000));
            Assert.That(registry.IsLoaded("m0"), Is.True, "pinned");
            Assert.That(registry.IsLoaded("m1"), Is.False);
            Assert.That(registry.IsLoaded("m2"), Is.False);
            Assert.That(registry.IsLoaded("m3"), Is.True);
        });
    }

    [Test]
    public async Task UnloadAsync_Loaded_DisposesInstance()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        var models = RegisterModels(registry, "x");
        await registry.GetAsync<Model>("x");

        Assert.Multiple(async () =>
        {
            Assert.That(await registry.UnloadAsync("x"), Is.True);
            Assert.That(await registry.UnloadAsync("x"), Is.False);
            Assert.That(models["x"][0].Disposed, Is.True);
        });
    }

    [Test]
    public async Task Register_Duplicate_Throws()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        RegisterModels(registry, "x");

        Assert.That(() => RegisterModels(registry, "x"), Throws.ArgumentException.With.Message.Contains("already registered"));
    }

    [Test]
    public async Task GetAsync_UnknownOrWrongType_Throws()
    {
        await using var registry = new LazyComponentRegistry(timeProvider: _time);
        RegisterModels(registry, "x");

        Assert.Multiple(() =>
        {
            Assert.That(async () => await registry.GetAsync<Model>("missing"), Throws.ArgumentException.With.Message.Contains("No component named 'missing'"));
            Assert.That(async () => await registry.GetAsync<string>("x"), Throws.ArgumentException.With.Message.Contains("not a String"));
        });
    }

    [Test]
    public async Task Constructor_OptionsChangedAfterward_NoEffect()
    {
        var options = new LazyComponentOptions { MaxLoaded = 2 };
        await using var registry = new LazyComponentRegistry(options, _time);
        RegisterModels(registry, "a", "b");

        options.MaxLoaded = 1;
        await registry.GetAsync<Model>("a");
        await registry.GetAsync<Model>("b");

        Assert.That(registry.Components.Count(c => c.IsLoaded), Is.EqualTo(2));
    }

    [Test]
    public void Constructor_BadOptions_Throws()
    {
        Assert.That(
            () => new LazyComponentRegistry(new LazyComponentOptions { MaxLoaded = -1, IdleTimeout = TimeSpan.FromSeconds(-1) }),
            Throws.ArgumentException.With.Message.Contains("MaxLoaded must not be negative").And.Message.Contains("IdleTimeout must not be negative"));
    }

    private static Dictionary<string, List<Model>> RegisterModels(LazyComponentRegistry registry, params string[] names)
    {
        var created = names.ToDictionary(n => n, _ => new List<Model>());
        foreach (var name in names)
        {
            registry.Register(name, _ =>
            {
                var model = new Model(name);
                created[name].Add(model);
                return ValueTask.FromResult(model);
            });
        }

        return created;
    }

    private sealed class Model(string name) : IDisposable
    {
        public string Name { get; } = name;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
