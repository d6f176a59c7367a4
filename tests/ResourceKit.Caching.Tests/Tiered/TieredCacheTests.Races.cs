using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>Reads from a slower tier that race a removal or a newer write.</summary>
public sealed partial class TieredCacheTests
{
    [Test]
    public async Task TryGetAsync_RemoveWhileTheSharedTierReadIsInFlight_DoesNotBringTheValueBack()
    {
        var shared = new GatedBinaryStore(_l3);
        using var cache = Create(disk: false, distributedStore: shared);
        await cache.SetAsync("k", "old", CachePolicyNames.UserPreferences);
        cache.ClearMemory();

        // The GET has its answer ("old") but the reply is still on the way when the key is removed.
        shared.HoldNextGet();
        var read = cache.TryGetAsync<string>("k", CachePolicyNames.UserPreferences).AsTask();
        await shared.GetAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cache.RemoveAsync("k");
        shared.ReleaseGet();
        await read.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.UserPreferences)).HasValue, Is.False, "the removed value must not be promoted back into memory");
    }

    [Test]
    public async Task TryGetAsync_ReadStartedDuringARemoval_DoesNotBringTheValueBack()
    {
        var shared = new GatedBinaryStore(_l3);
        using var cache = Create(disk: false, distributedStore: shared);
        await cache.SetAsync("k", "old", CachePolicyNames.UserPreferences);

        // The removal has begun (memory already cleared) but Redis has not applied the DEL yet.
        shared.HoldNextRemove();
        var removing = cache.RemoveAsync("k").AsTask();
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.UserPreferences)).Value, Is.EqualTo("old"), "Redis still answers with the old value");
        shared.ReleaseRemove();
        await removing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.UserPreferences)).HasValue, Is.False, "a read that began during the removal must not promote");
    }

    [Test]
    public async Task Backplane_ResyncSignal_DiskCopyOfASharedValueNoLongerAnswers()
    {
        var backplane = InProcessBackplane.Join(InProcessBackplane.CreateHub());
        using var hostB = Create(backplane: backplane);
        await hostB.SetAsync("prefs", "v1", CachePolicyNames.Embeddings);
        _time.Advance(TimeSpan.FromMinutes(1));

        // While host B was disconnected another host stored v2; B missed the invalidation and gets a resync signal.
        using (var hostA = Create(disk: false))
        {
            await hostA.SetAsync("prefs", "v2", CachePolicyNames.Embeddings);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        backplane.Deliver(null);
        hostB.ClearMemory();

        Assert.That(await hostB.TryGetAsync<string>("prefs", CachePolicyNames.Embeddings), Is.EqualTo(new CacheResult<string>("v2", CacheValueSource.Distributed)));
        Assert.That(await _disk.GetAsync(Prefix + "prefs"), Is.Null, "v2 was written before the resync: a disk copy would only be distrusted again");

        // A value written after the resync is trusted on disk again.
        _time.Advance(TimeSpan.FromMinutes(1));
        await hostB.SetAsync("fresh", "v3", CachePolicyNames.Embeddings);
        hostB.ClearMemory();
        Assert.That((await hostB.TryGetAsync<string>("fresh", CachePolicyNames.Embeddings)).Source, Is.EqualTo(CacheValueSource.Disk));
    }

    [Test]
    public async Task GetOrCreateAsync_WhileAnotherKeyIsBeingWrittenSlowly_StoresTheFactoryValue()
    {
        var shared = new GatedBinaryStore(_l3);
        using var cache = Create(disk: false, distributedStore: shared);
        var other = KeyOfTheSameOldStripe("a");

        // Another key's write is stuck in a slow Redis SET (up to the operation timeout in production).
        shared.HoldNextSet();
        var writing = cache.SetAsync(other, "slow", CachePolicyNames.Embeddings).AsTask();
        await shared.SetStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var value = await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("va"), CachePolicyNames.Embeddings);
        var again = await cache.TryGetAsync<string>("a", CachePolicyNames.Embeddings);
        var inL3 = _l3.Contains(Prefix + "a");
        shared.ReleaseSet();
        await writing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(value, Is.EqualTo("va"));
        Assert.That(again.Source, Is.EqualTo(CacheValueSource.Memory), "an unrelated key's write must not stop this value being stored");
        Assert.That(inL3, Is.True);
        Assert.That(cache.TrackedChangeKeys, Is.Zero, "no key stays tracked once its reads and writes are done");
    }

    [Test]
    public async Task TryGetAsync_WhileAnotherKeyIsBeingWrittenSlowly_PromotesTheL3Value()
    {
        var shared = new GatedBinaryStore(_l3);
        using var cache = Create(disk: false, distributedStore: shared);
        var other = KeyOfTheSameOldStripe("a");
        await cache.SetAsync("a", "va", CachePolicyNames.Embeddings);
        cache.ClearMemory();

        shared.HoldNextSet();
        var writing = cache.SetAsync(other, "slow", CachePolicyNames.Embeddings).AsTask();
        await shared.SetStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var first = await cache.TryGetAsync<string>("a", CachePolicyNames.Embeddings);
        var second = await cache.TryGetAsync<string>("a", CachePolicyNames.Embeddings);
        shared.ReleaseSet();
        await writing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(first, Is.EqualTo(new CacheResult<string>("va", CacheValueSource.Distributed)));
        Assert.That(second.Source, Is.EqualTo(CacheValueSource.Memory));
    }

    [Test]
    public async Task GetOrCreateAsync_SameKeyBeingWrittenSlowly_FactoryValueIsNotStored()
    {
        var shared = new GatedBinaryStore(_l3);
        using var cache = Create(disk: false, distributedStore: shared);

        shared.HoldNextSet();
        var writing = cache.SetAsync("a", "newer", CachePolicyNames.Embeddings).AsTask();
        await shared.SetStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cache.ClearMemory();

        // Began while the key's write was in progress: what it read may predate that write.
        var value = await cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("older"), CachePolicyNames.Embeddings);
        shared.ReleaseSet();
        await writing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(value, Is.EqualTo("older"));
        Assert.That(Read(_l3.Raw(Prefix + "a")), Is.EqualTo("newer"));
        Assert.That((await cache.TryGetAsync<string>("a", CachePolicyNames.Embeddings)).Value, Is.EqualTo("newer"));
    }

    /// <summary>A key that fell in the same one of the 256 stripes of keys as <paramref name="key"/>, which shared one change count.</summary>
    private static string KeyOfTheSameOldStripe(string key)
    {
        var stripe = key.GetHashCode(StringComparison.Ordinal) & 255;
        for (var i = 0; ; i++)
        {
            var candidate = "other-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if ((candidate.GetHashCode(StringComparison.Ordinal) & 255) == stripe)
            {
                return candidate;
            }
        }
    }

    private static string Read(byte[] envelope) => CacheEnvelope.Decode<string>(envelope, new ResourceKit.Caching.Serialization.SystemTextJsonCacheSerializer());

    /// <summary>A shared tier whose next read can be held after it has read its answer, like a slow network reply.</summary>
    private sealed class GatedBinaryStore(IBinaryCacheStore inner) : IBinaryCacheStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _removeGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holdNext;
        private int _holdRemove;
        private readonly TaskCompletionSource _setGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holdSet;

        public TaskCompletionSource GetAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void HoldNextGet() => Volatile.Write(ref _holdNext, 1);

        public void ReleaseGet() => _gate.TrySetResult();

        public void HoldNextRemove() => Volatile.Write(ref _holdRemove, 1);

        public void ReleaseRemove() => _removeGate.TrySetResult();

        public TaskCompletionSource SetStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void HoldNextSet() => Volatile.Write(ref _holdSet, 1);

        public void ReleaseSet() => _setGate.TrySetResult();

        public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            var answer = await inner.GetAsync(key, cancellationToken);
            if (Interlocked.Exchange(ref _holdNext, 0) == 1)
            {
                GetAnswered.TrySetResult();
                await _gate.Task;
            }

            return answer;
        }

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _holdSet, 0) == 1)
            {
                SetStarted.TrySetResult();
                await _setGate.Task;
            }

            await inner.SetAsync(key, value, absoluteExpiration, cancellationToken);
        }

        public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _holdRemove, 0) == 1)
            {
                await _removeGate.Task;
            }

            await inner.RemoveAsync(key, cancellationToken);
        }
    }
}
