using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>Loads that race a finished load or an explicit removal (review findings, each replayed deterministically).</summary>
public sealed class TinyLfuCacheLoadingRaceTests
{
    [Test]
    public void GetOrAdd_AnotherLoadFinishesBetweenMissAndJoin_DoesNotRunTheFactoryAgain()
    {
        using var cache = TestCaches.Create(10);
        var runs = 0;
        int Factory(int key)
        {
            Interlocked.Increment(ref runs);
            return key * 10;
        }

        cache.AfterLoadMissForTests = key =>
        {
            // Another caller's whole load (miss, flight, cache, retire) fits in this caller's window.
            cache.AfterLoadMissForTests = null;
            cache.GetOrAdd(key, Factory);
        };

        Assert.That(cache.GetOrAdd(1, Factory), Is.EqualTo(10));
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task GetOrAddAsync_AnotherLoadFinishesBetweenMissAndJoin_DoesNotRunTheFactoryAgain()
    {
        using var cache = TestCaches.Create(10);
        var runs = 0;
        ValueTask<int> Factory(int key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult(key * 10);
        }

        cache.AfterLoadMissForTests = key =>
        {
            cache.AfterLoadMissForTests = null;
            cache.GetOrAddAsync(key, Factory).AsTask().GetAwaiter().GetResult();
        };

        Assert.That(await cache.GetOrAddAsync(1, Factory), Is.EqualTo(10));
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task TryRemove_WhileLoading_LoadedValueReachesItsWaitersButIsNotCached()
    {
        using var cache = TestCaches.Create(10);
        var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        ValueTask<int> Factory(int key, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref runs);
            return new ValueTask<int>(source.Task);
        }

        var loading = cache.GetOrAddAsync(1, Factory).AsTask();
        cache.TryRemove(1);
        var afterRemoval = cache.GetOrAddAsync(1, (key, _) => ValueTask.FromResult(2));
        source.SetResult(1);

        Assert.That(await loading, Is.EqualTo(1), "the caller that asked before the removal gets the loaded value");
        Assert.That(await afterRemoval, Is.EqualTo(2), "a caller after the removal does not join the old load");
        Assert.That(cache.TryGet(1, out var cached) ? cached : -1, Is.EqualTo(2));
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public async Task Clear_WhileLoading_LoadedValueIsNotCached()
    {
        using var cache = TestCaches.Create(10);
        var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var loading = cache.GetOrAddAsync(1, (_, _) => new ValueTask<int>(source.Task)).AsTask();
        cache.Clear();
        source.SetResult(1);

        Assert.That(await loading, Is.EqualTo(1));
        Assert.That(cache.TryGet(1, out _), Is.False);
        cache.AssertConsistent();
    }

    [Test]
    public async Task RemoveWhere_WhileLoading_LoadedValueIsNotCached()
    {
        using var cache = TestCaches.Create(10);
        var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var loading = cache.GetOrAddAsync(1, (_, _) => new ValueTask<int>(source.Task)).AsTask();
        cache.RemoveWhere((_, value) => value == 1);
        source.SetResult(1);

        Assert.That(await loading, Is.EqualTo(1));
        Assert.That(cache.TryGet(1, out _), Is.False, "the predicate could not see the value while it loaded");
    }

    [Test]
    public void GetOrAdd_LoadStartedAfterTheRemoval_IsCached()
    {
        using var cache = TestCaches.Create(10);
        cache.Set(1, 1);
        cache.TryRemove(1);

        Assert.That(cache.GetOrAdd(1, _ => 5), Is.EqualTo(5));
        Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(5));
    }

    [Test]
    public void Set_HeavierThanCapacity_DropsTheOldValueAsRemovedNotReplaced()
    {
        var time = new FakeTimeProvider();
        using var cache = TestCaches.Create<int, int>(10, time, o => o.Weigher = (_, value) => value);
        var causes = new List<CacheRemovalCause>();
        cache.EntryRemoved += (_, e) => causes.Add(e.Cause);
        cache.Set(1, 5);

        cache.Set(1, 11);

        Assert.That(causes, Is.EqualTo(new[] { CacheRemovalCause.Removed }));
        Assert.That(cache.TryGet(1, out _), Is.False);
    }
}
