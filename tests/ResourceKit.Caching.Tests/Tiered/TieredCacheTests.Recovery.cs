using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>Changes that missed the shared tiers are replayed as removals once L3 and the backplane answer again.</summary>
public sealed partial class TieredCacheTests
{
    private const int RecoveryPassEnded = 5313;
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);
    private ListLogger<TieredCache> _log = null!;

    [SetUp]
    public void SetUpRecovery() => _log = new ListLogger<TieredCache>();

    [Test]
    public async Task RemoveAsync_WhileL3Down_RemovesTheOldValueFromL3OnceItIsBack()
    {
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, logger: _log);
        using var otherHost = Create(disk: false);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        _l3.Failing = true;

        await cache.RemoveAsync("k");

        Assert.That(_l3.Contains(Prefix + "k"), Is.True, "the store could not be reached");
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(1));
        _l3.Failing = false;
        await AdvanceToRecoveryPassAsync(1);

        Assert.That(_l3.Contains(Prefix + "k"), Is.False);
        Assert.That(cache.Statistics, Has.Property(nameof(TieredCacheStatistics.RecoveryPending)).EqualTo(0)
            .And.Property(nameof(TieredCacheStatistics.RecoveryReplayed)).EqualTo(1));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False, "the old value did not come back");
        Assert.That((await otherHost.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
    }

    [Test]
    public async Task SetAsync_WhileL3Down_OtherHostsDoNotReadTheOldValueOnceItIsBack()
    {
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, logger: _log);
        using var otherHost = Create(disk: false);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        _l3.Failing = true;

        await cache.SetAsync("k", "new", CachePolicyNames.Embeddings);
        _l3.Failing = false;
        await AdvanceToRecoveryPassAsync(1);

        Assert.That((await otherHost.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False, "L3 no longer holds the old value");
        Assert.That(await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("new", CacheValueSource.Memory)));
    }

    [Test]
    public async Task TryGetAsync_KeyPendingRecovery_DoesNotTakeTheOldValueFromL3()
    {
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, logger: _log);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        _l3.Failing = true;
        await cache.RemoveAsync("k");
        _l3.Failing = false;

        // L3 answers again but still holds the value from before the removal, and the replay has not run yet.
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
        await AdvanceToRecoveryPassAsync(1);

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False, "nothing was copied up");
        Assert.That(_l3.Contains(Prefix + "k"), Is.False);
    }

    [Test]
    public async Task Recovery_CircuitClosesBeforeTheNextRetry_ReplaysAtOnce()
    {
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, logger: _log);
        _l3.Failing = true;
        await cache.RemoveAsync("a");
        _time.Advance(TimeSpan.FromSeconds(2));
        await cache.RemoveAsync("b");
        await cache.RemoveAsync("c");
        await cache.RemoveAsync("d");
        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Open), "opened 2 s after the first failure armed the retry");

        // The retry armed by the first failure comes while the circuit is still open, and waits another break.
        _time.Advance(TimeSpan.FromSeconds(3));
        await _log.WaitForAsync(RecoveryPassEnded, 1);
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(4));
        _l3.Failing = false;

        // The break ends 7 s in; the next retry is due at 10 s, but the call that closes the circuit starts a pass.
        _time.Advance(TimeSpan.FromSeconds(2));
        await cache.SetAsync("x", 1, CachePolicyNames.Embeddings);
        await _log.WaitForAsync(RecoveryPassEnded, 2);

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
    }

    [Test]
    public async Task Recovery_StoreHangs_CallTimesOutAndIsRetried()
    {
        var store = new GatedStore(new MemoryBinaryStore(_time));
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, disk: false, distributedStore: store, logger: _log);
        store.FailRemoves = true;
        await cache.RemoveAsync("k");
        store.FailRemoves = false;
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        _time.Advance(BreakDuration);
        await store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(BreakDuration);
        await _log.WaitForAsync(RecoveryPassEnded, 1);
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(1), "the hung call was given up after one break");

        store.Gate = null;
        await AdvanceToRecoveryPassAsync(2);

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
    }

    [Test]
    public async Task Recovery_StoreStillDownAtTheFirstRetry_KeepsTheKeyAndRetriesAfterAnotherBreak()
    {
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, logger: _log);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        _l3.Failing = true;
        await cache.RemoveAsync("k");

        await AdvanceToRecoveryPassAsync(1);
        var callsAfterFirstRetry = _l3.Calls;

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(1));
        Assert.That(_l3.Contains(Prefix + "k"), Is.True);
        _time.Advance(BreakDuration - TimeSpan.FromMilliseconds(1));
        Assert.That(_l3.Calls, Is.EqualTo(callsAfterFirstRetry), "no retry before the next break ends");

        _l3.Failing = false;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _log.WaitForAsync(RecoveryPassEnded, 2);

        Assert.That(_l3.Contains(Prefix + "k"), Is.False);
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
    }

    [Test]
    public async Task Recovery_BackplaneDown_InvalidatesOtherHostsOnceItIsBack()
    {
        var hub = InProcessBackplane.CreateHub();
        var backplane = InProcessBackplane.Join(hub);
        var otherBackplane = InProcessBackplane.Join(hub);
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, disk: false, backplane: backplane, logger: _log);
        using var otherHost = Create(disk: false, backplane: otherBackplane);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        Assert.That((await otherHost.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("old"));
        backplane.Failing = true;

        await cache.SetAsync("k", "new", CachePolicyNames.Embeddings);

        Assert.That(await otherHost.TryGetAsync<string>("k", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("old", CacheValueSource.Memory)), "the invalidation was lost");
        backplane.Failing = false;
        await AdvanceToRecoveryPassAsync(1);

        Assert.That((await otherHost.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False, "dropped, and L3 holds nothing older");
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
    }

    [Test]
    public async Task Recovery_MoreKeysThanCapacity_TracksCapacityOnceEachAndCountsTheRest()
    {
        using var cache = Create(
            o =>
            {
                o.CircuitBreakDuration = BreakDuration;
                o.RecoveryCapacity = 2;
            },
            logger: _log);
        _l3.Failing = true;

        await cache.RemoveAsync("a");
        await cache.RemoveAsync("a");
        await cache.RemoveAsync("b");
        await cache.RemoveAsync("c");

        Assert.That(cache.Statistics, Has.Property(nameof(TieredCacheStatistics.RecoveryPending)).EqualTo(2)
            .And.Property(nameof(TieredCacheStatistics.RecoveryDropped)).EqualTo(1));
        _l3.Failing = false;
        await AdvanceToRecoveryPassAsync(1);
        Assert.That(cache.Statistics.RecoveryReplayed, Is.EqualTo(2));
    }

    [Test]
    public async Task Recovery_CapacityZero_TracksNothing()
    {
        using var cache = Create(o => o.RecoveryCapacity = 0);
        _l3.Failing = true;

        await cache.RemoveAsync("a");

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
        Assert.That(cache.Statistics.RecoveryDropped, Is.EqualTo(0));
    }

    [Test]
    public void Options_NegativeRecoveryCapacity_FailsValidation()
    {
        var result = new TieredCacheOptionsValidator().Validate(null, new TieredCacheOptions { RecoveryCapacity = -1 });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain(nameof(TieredCacheOptions.RecoveryCapacity)));
    }

    [Test]
    public async Task SetAsync_CallerCancelsDuringTheL3Write_KeyIsRecovered()
    {
        var store = new GatedStore(new MemoryBinaryStore(_time));
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, disk: false, distributedStore: store, logger: _log);
        await cache.SetAsync("k", "old", CachePolicyNames.Embeddings);
        using var cts = new CancellationTokenSource();
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var write = cache.SetAsync("k", "new", CachePolicyNames.Embeddings, cts.Token).AsTask();
        await store.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();

        Assert.That(async () => await write, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(1));
        store.Gate = null;
        await AdvanceToRecoveryPassAsync(1);
        Assert.That(await store.GetAsync(Prefix + "k"), Is.Null, "whatever the cancelled write left is removed");
    }

    [Test]
    public async Task SetAsync_SerializerFails_DropsTheOlderCopiesFromDiskAndL3()
    {
        using (var writer = Create())
        {
            await writer.SetAsync("k", "old", CachePolicyNames.Embeddings);
        }

        using var cache = Create(serializer: new ThrowingCacheSerializer(onSerialize: true, onDeserialize: false));

        await cache.SetAsync("k", "new", CachePolicyNames.Embeddings);

        Assert.That(await _disk.GetAsync(Prefix + "k"), Is.Null);
        Assert.That(_l3.Contains(Prefix + "k"), Is.False);
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("new"));
    }

    [Test]
    public async Task Recovery_ManyThreadsChangingKeysDuringAnOutage_EveryKeyIsReplayed()
    {
        const int Keys = 200;
        using var cache = Create(o => o.CircuitBreakDuration = BreakDuration, disk: false, logger: _log);
        for (var i = 0; i < Keys; i++)
        {
            await cache.SetAsync($"k{i}", i, CachePolicyNames.Embeddings);
        }

        _l3.Failing = true;
        await Parallel.ForAsync(0, Keys * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var key = $"k{i % Keys}";
            if (i % 2 == 0)
            {
                await cache.SetAsync(key, -i, CachePolicyNames.Embeddings, ct);
            }
            else
            {
                await cache.RemoveAsync(key, ct);
            }
        });

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(Keys));
        _l3.Failing = false;
        await AdvanceToRecoveryPassAsync(1);

        Assert.That(cache.Statistics.RecoveryPending, Is.EqualTo(0));
        Assert.That(_l3.Keys, Is.Empty, "every key changed during the outage is gone from L3");
    }

    /// <summary>Moves the clock to the next retry and waits for the recovery pass it starts to end.</summary>
    private async Task AdvanceToRecoveryPassAsync(int pass)
    {
        _time.Advance(BreakDuration);
        await _log.WaitForAsync(RecoveryPassEnded, pass);
    }

    /// <summary>An L3 whose writes and removals wait on a gate, so a test can cancel or time out a call in the middle.</summary>
    private sealed class GatedStore(MemoryBinaryStore inner) : IBinaryCacheStore
    {
        public TaskCompletionSource? Gate { get; set; }

        public bool FailRemoves { get; set; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
        {
            if (Gate is { } gate)
            {
                Entered.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }

            await inner.SetAsync(key, value, absoluteExpiration, cancellationToken);
        }

        public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        {
            if (FailRemoves)
            {
                throw new IOException("The test store is unreachable.");
            }

            if (Gate is { } gate)
            {
                Entered.TrySetResult();
                await gate.Task.WaitAsync(cancellationToken);
            }

            await inner.RemoveAsync(key, cancellationToken);
        }
    }
}
