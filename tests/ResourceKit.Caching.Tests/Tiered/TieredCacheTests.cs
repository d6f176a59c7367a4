using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Serialization;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

public sealed partial class TieredCacheTests
{
    private const string Prefix = "app:tenant:";
    private TemporaryDirectory _folder = null!;
    private FakeTimeProvider _time = null!;
    private DiskCacheStore _disk = null!;
    private MemoryBinaryStore _l3 = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = new TemporaryDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path }, _time);
        _l3 = new MemoryBinaryStore(_time);
    }

    [TearDown]
    public void TearDown()
    {
        _disk.Dispose();
        _folder.Dispose();
    }

    [TestCase(CachePolicyNames.Embeddings, true, true, true)]
    [TestCase(CachePolicyNames.UserPreferences, true, true, true)]
    [TestCase(CachePolicyNames.LlmResponses, true, true, false)]
    [TestCase(CachePolicyNames.SystemConfiguration, true, true, false)]
    [TestCase(CachePolicyNames.BrowserPages, false, true, false)]
    [TestCase(CachePolicyNames.ConversationHistory, true, false, false)]
    public async Task SetAsync_DefaultPolicies_PlaceValuesInTheSeedMatrixTiers(string policy, bool inMemory, bool onDisk, bool distributed)
    {
        using var cache = Create();

        await cache.SetAsync("k", "v", policy);

        Assert.That(await _disk.GetAsync(Prefix + "k") is not null, Is.EqualTo(onDisk), "disk");
        Assert.That(_l3.Contains(Prefix + "k"), Is.EqualTo(distributed), "distributed");
        await _disk.RemoveAsync(Prefix + "k");
        await _l3.RemoveAsync(Prefix + "k");
        var result = await cache.TryGetAsync<string>("k", policy);
        Assert.That(result.Source, Is.EqualTo(inMemory ? CacheValueSource.Memory : CacheValueSource.None), "memory");
    }

    [Test]
    public async Task TryGetAsync_ValueOnlyInL3_PromotesToDiskAndMemory()
    {
        using (var writer = Create())
        {
            await writer.SetAsync("k", 42, CachePolicyNames.Embeddings);
        }

        await _disk.RemoveAsync(Prefix + "k");
        using var cache = Create();

        var first = await cache.TryGetAsync<int>("k", CachePolicyNames.Embeddings);
        var second = await cache.TryGetAsync<int>("k", CachePolicyNames.Embeddings);

        Assert.That(first, Is.EqualTo(new CacheResult<int>(42, CacheValueSource.Distributed)));
        Assert.That(second.Source, Is.EqualTo(CacheValueSource.Memory));
        Assert.That(await _disk.GetAsync(Prefix + "k"), Is.Not.Null);
        Assert.That(cache.Statistics.Promotions, Is.EqualTo(2));
    }

    [Test]
    public async Task TryGetAsync_ValueOnDisk_PromotesToMemoryWithRemainingLifetime()
    {
        using (var writer = Create())
        {
            await writer.SetAsync("k", "v", CachePolicyNames.LlmResponses);
        }

        using var cache = Create();
        _time.Advance(TimeSpan.FromMinutes(50));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.LlmResponses)).Source, Is.EqualTo(CacheValueSource.Disk));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.LlmResponses)).Source, Is.EqualTo(CacheValueSource.Memory));

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.LlmResponses)).HasValue, Is.False);
    }

    [Test]
    public async Task TryGetAsync_AfterTimeToLive_MissesInEveryTier()
    {
        using var cache = Create();
        await cache.SetAsync("k", "v", CachePolicyNames.Embeddings);

        _time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.True);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That(await _disk.GetAsync(Prefix + "k"), Is.Null);
        Assert.That(_l3.Contains(Prefix + "k"), Is.False);
    }

    [Test]
    public async Task GetOrCreateAsync_ConcurrentCallers_RunTheFactoryOnce()
    {
        using var cache = Create();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;

        var callers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await cache.GetOrCreateAsync("k", async ct =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            return await gate.Task;
        }, CachePolicyNames.Embeddings))).ToArray();
        await started.Task;
        gate.SetResult("value");
        var results = await Task.WhenAll(callers);

        Assert.That(runs, Is.EqualTo(1));
        Assert.That(results, Has.All.EqualTo("value"));
        Assert.That(cache.Statistics.FactoryRuns, Is.EqualTo(1));
    }

    [Test]
    public async Task GetOrCreateAsync_OneCallerCancels_OthersStillGetTheValue()
    {
        using var cache = Create();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        CancellationToken factoryToken = default;
        var first = cache.GetOrCreateAsync("k", ct =>
        {
            factoryToken = ct;
            return new ValueTask<int>(gate.Task);
        }, cancellationToken: cancel.Token).AsTask();
        var second = cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(-1)).AsTask();

        await cancel.CancelAsync();
        gate.SetResult(7);

        Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await second, Is.EqualTo(7));
        Assert.That(factoryToken.IsCancellationRequested, Is.False);
    }

    [Test]
    public async Task GetOrCreateAsync_EveryCallerCancels_CancelsTheFactory()
    {
        using var cache = Create();
        using var cancel = new CancellationTokenSource();
        var factoryCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = cache.GetOrCreateAsync("k", async ct =>
        {
            await using var registration = ct.Register(() => factoryCancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, cancellationToken: cancel.Token).AsTask();

        await cancel.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        await factoryCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(2)), Is.EqualTo(2));
    }

    [Test]
    public async Task GetOrCreateAsync_FactoryThrowsWithFailSafe_ReturnsStaleValue()
    {
        using var cache = Create(o => o.EnableFailSafe = true);
        await cache.SetAsync("k", "old", CachePolicyNames.SystemConfiguration);
        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        var result = await cache.GetOrCreateEntryAsync<int, string>("k", 0, (_, _) => throw new InvalidOperationException("backend down"), CachePolicyNames.SystemConfiguration);

        Assert.That(result, Is.EqualTo(new CacheResult<string>("old", CacheValueSource.FailSafe)));
        Assert.That(result.IsStale, Is.True);
        Assert.That(cache.Statistics.FailSafeReturns, Is.EqualTo(1));
    }

    [Test]
    public async Task GetOrCreateAsync_FailSafeFromDiskAfterRestart_ReturnsStaleValue()
    {
        using (var writer = Create(o => o.EnableFailSafe = true))
        {
            await writer.SetAsync("k", "old", CachePolicyNames.SystemConfiguration);
        }

        _time.Advance(TimeSpan.FromHours(1.5));
        using var cache = Create(o => o.EnableFailSafe = true);

        var result = await cache.GetOrCreateEntryAsync<int, string>("k", 0, (_, _) => throw new InvalidOperationException("backend down"), CachePolicyNames.SystemConfiguration);

        Assert.That(result.IsStale, Is.True);
        Assert.That(result.Value, Is.EqualTo("old"));
    }

    [Test]
    public async Task GetOrCreateAsync_FactoryThrowsWithoutFailSafe_Throws()
    {
        using var cache = Create();
        await cache.SetAsync("k", "old");
        _time.Advance(TimeSpan.FromHours(2));

        Assert.That(
            async () => await cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("backend down")),
            Throws.InvalidOperationException.With.Message.EqualTo("backend down"));
    }

    [Test]
    public async Task GetOrCreateAsync_FailSafeBeyondMaxDuration_Throws()
    {
        using var cache = Create(o =>
        {
            o.EnableFailSafe = true;
            o.FailSafeMaxDuration = TimeSpan.FromMinutes(10);
        });
        await cache.SetAsync("k", "old");
        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(11));

        Assert.That(async () => await cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("down")), Throws.InvalidOperationException);
    }

    [Test]
    public async Task RemoveAsync_RemovesFromEveryTierAndPublishes()
    {
        var hub = InProcessBackplane.CreateHub();
        var backplane = InProcessBackplane.Join(hub);
        using var cache = Create(backplane: backplane);
        await cache.SetAsync("k", "v", CachePolicyNames.Embeddings);

        await cache.RemoveAsync("k");

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That(_l3.Keys, Is.Empty);
        Assert.That(backplane.Published, Is.EqualTo(2));
    }

    [Test]
    public async Task SetAsync_OnOneInstance_EvictsStaleMemoryCopyOnAnother()
    {
        var hub = InProcessBackplane.CreateHub();
        using var diskB = new DiskCacheStore(new DiskCacheStoreOptions { Directory = Path.Combine(_folder.Path, "b") }, _time);
        using var a = Create(backplane: InProcessBackplane.Join(hub));
        using var b = Create(diskStore: diskB, backplane: InProcessBackplane.Join(hub));
        await a.SetAsync("k", "v1", CachePolicyNames.Embeddings);
        Assert.That((await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("v1"));
        Assert.That((await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Source, Is.EqualTo(CacheValueSource.Memory));

        await a.SetAsync("k", "v2", CachePolicyNames.Embeddings);

        Assert.That(await b.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v2", CacheValueSource.Distributed)));
    }

    [Test]
    public async Task Backplane_ResyncSignal_DropsOnlyDistributedMemoryEntries()
    {
        var backplane = InProcessBackplane.Join(InProcessBackplane.CreateHub());
        using var cache = Create(disk: false, backplane: backplane);
        await cache.SetAsync("shared", 1, CachePolicyNames.Embeddings);
        await cache.SetAsync("local", 2, CachePolicyNames.ConversationHistory);
        _l3.Failing = true;

        backplane.Deliver(null);

        Assert.That((await cache.TryGetAsync<int>("shared", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That((await cache.TryGetAsync<int>("local", CachePolicyNames.ConversationHistory)).Source, Is.EqualTo(CacheValueSource.Memory));
    }

    [Test]
    public async Task DistributedTier_Failing_SkipsL3WithoutExceptionsThenOpensCircuitAndRecovers()
    {
        using var cache = Create(o => o.CircuitBreakDuration = TimeSpan.FromSeconds(5));
        _l3.Failing = true;

        for (var i = 0; i < 6; i++)
        {
            Assert.That(await cache.GetOrCreateAsync($"k{i}", _ => ValueTask.FromResult(i), CachePolicyNames.Embeddings), Is.EqualTo(i));
        }

        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Open));
        var callsWhileOpen = _l3.Calls;
        await cache.SetAsync("during", 1, CachePolicyNames.Embeddings);
        Assert.That(_l3.Calls, Is.EqualTo(callsWhileOpen), "no L3 calls while the circuit is open");
        Assert.That(cache.Statistics.DistributedErrors, Is.GreaterThan(0));
        Assert.That(cache.Statistics.DistributedSkips, Is.GreaterThan(0));

        _l3.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(5));
        await cache.SetAsync("after", 2, CachePolicyNames.Embeddings);

        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Closed));
        Assert.That(_l3.Contains(Prefix + "after"), Is.True);
    }

    [Test]
    public async Task TryGetAsync_CorruptDistributedValue_MissesAndRemovesIt()
    {
        using var cache = Create(disk: false);
        _l3.Put(Prefix + "k", [1, 2, 3, 4], _time.GetUtcNow().AddHours(1));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        Assert.That(_l3.Keys, Is.Empty);
    }

    [Test]
    public async Task SetAsync_LargeText_IsStoredCompressed()
    {
        using var cache = Create(disk: false);
        var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 400));

        await cache.SetAsync("k", text, CachePolicyNames.Embeddings);

        Assert.That(_l3.Raw(Prefix + "k").Length, Is.LessThan(text.Length / 4));
        cache.ClearMemory();
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo(text));
    }

    [Test]
    public async Task TryGetAsync_SlidingSession_RenewsOnUseAndExpiresWhenIdle()
    {
        using var cache = Create(o => o.SessionTimeToLive = TimeSpan.FromMinutes(30));
        await cache.SetAsync("prefs", "dark", CachePolicyNames.UserPreferences);

        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(20));
            Assert.That((await cache.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).Value, Is.EqualTo("dark"));
        }

        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.That((await cache.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).HasValue, Is.False);
    }

    [Test]
    public async Task TryGetAsync_SlidingSessionRenewal_NeverOverwritesTheSharedTier()
    {
        using var hostB = Create(o => o.SessionTimeToLive = TimeSpan.FromMinutes(30));
        using var hostA = Create(o => o.SessionTimeToLive = TimeSpan.FromMinutes(30), disk: false);
        await hostB.SetAsync("prefs", "dark", CachePolicyNames.UserPreferences);
        // Host A stores a newer value; its invalidation has not reached host B yet (no backplane here).
        await hostA.SetAsync("prefs", "light", CachePolicyNames.UserPreferences);
        _time.Advance(TimeSpan.FromMinutes(20));
        var callsBefore = _l3.Calls;

        // A read in the second half of the session renews host B's own copy...
        Assert.That((await hostB.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).Value, Is.EqualTo("dark"));

        // ...without writing it back over host A's newer value.
        Assert.That(_l3.Calls, Is.EqualTo(callsBefore));
        using var hostC = Create(disk: false);
        Assert.That((await hostC.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).Value, Is.EqualTo("light"));
    }

    [Test]
    public async Task TryGetAsync_AbsoluteSession_ExpiresDespiteUse()
    {
        using var cache = Create(o => o.SessionSlidingExpiration = false);
        await cache.SetAsync("prefs", "dark", CachePolicyNames.UserPreferences);
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.That((await cache.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).HasValue, Is.True);

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.That((await cache.TryGetAsync<string>("prefs", CachePolicyNames.UserPreferences)).HasValue, Is.False);
    }

    [Test]
    public async Task Keys_ArePrefixedWithApplicationAndTenant()
    {
        using var tenantA = Create(disk: false);
        using var tenantB = Create(o => o.TenantId = "other", disk: false);

        await tenantA.SetAsync("k", "a", CachePolicyNames.Embeddings);

        Assert.That(_l3.Keys, Is.EqualTo(new[] { "app:tenant:k" }));
        Assert.That((await tenantB.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
    }

    [Test]
    public async Task Constructor_TenantWithSeparator_IsRejectedSoTwoTenantsCannotShareAKey()
    {
        // One L3 (_l3) shared by both: tenant "acme" key "eu:x" and tenant "acme:eu" key "x" would both be "app:acme:eu:x".
        using var acme = Create(o => o.TenantId = "acme", disk: false);
        await acme.SetAsync("eu:x", "acme's value", CachePolicyNames.Embeddings);

        Assert.That(
            () => Create(o => o.TenantId = "acme:eu", disk: false).Dispose(),
            Throws.ArgumentException.With.Message.Contains("TenantId 'acme:eu' must not contain ':'"));
    }

    [Test]
    public async Task TryGetAsync_DifferentTypeInMemory_IsAMiss()
    {
        using var cache = Create(disk: false, distributed: false);
        await cache.SetAsync("k", "text", CachePolicyNames.ConversationHistory);

        Assert.That((await cache.TryGetAsync<int>("k", CachePolicyNames.ConversationHistory)).HasValue, Is.False);
    }

    [Test]
    public void Methods_BadInput_Throw()
    {
        using var cache = Create();

        Assert.That(async () => await cache.SetAsync("", 1), Throws.ArgumentException);
        Assert.That(async () => await cache.TryGetAsync<int>("k", "no-such-policy"), Throws.ArgumentException.With.Message.Contains("no-such-policy"));
        Assert.That(async () => await cache.GetOrCreateAsync<int>("k", null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryError()
    {
        var options = new TieredCacheOptions { DefaultPolicy = "missing", CircuitMinimumThroughput = 1 };
        options.Policies["empty"] = CachePolicy.Create(CacheTiers.None, TimeSpan.FromMinutes(1));

        Assert.That(
            () => new TieredCache(options),
            Throws.ArgumentException.With.Message.Contains("missing").And.Message.Contains("CircuitMinimumThroughput").And.Message.Contains("empty"));
    }

    [Test]
    public void Validator_MemoryWindowFractionsOutOfOrder_FailsAtStartNotAtFirstUse()
    {
        var options = new TieredCacheOptions();
        options.Memory.MinimumWindowFraction = 0.5;
        options.Memory.MaximumWindowFraction = 0.2;

        var result = new TieredCacheOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("Memory:"));
    }

    private TieredCache Create(
        Action<TieredCacheOptions>? configure = null,
        bool disk = true,
        bool distributed = true,
        ICacheBackplane? backplane = null,
        IBinaryCacheStore? diskStore = null,
        ICacheSerializer? serializer = null,
        ILogger<TieredCache>? logger = null,
        IBinaryCacheStore? distributedStore = null)
    {
        var options = new TieredCacheOptions { ApplicationName = "app", TenantId = "tenant" };
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        configure?.Invoke(options);
        return new TieredCache(options, disk ? diskStore ?? _disk : null, distributed ? distributedStore ?? _l3 : null, backplane, serializer, _time, logger);
    }
}
