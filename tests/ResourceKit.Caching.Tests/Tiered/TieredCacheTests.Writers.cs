namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>Writes that race a newer change: a factory result and a session renewal must not outlive it.</summary>
public sealed partial class TieredCacheTests
{
    [Test]
    public async Task GetOrCreateAsync_KeySetWhileTheFactoryRuns_CallersGetTheFactoryValueButTheTiersKeepTheNewerOne()
    {
        using var cache = Create();
        var (loading, source) = await StartHeldLoadAsync(cache);
        await cache.SetAsync("k", "v2", CachePolicyNames.Embeddings);
        source.SetResult("v1, read from the source before v2 was stored");

        Assert.That(await loading, Does.StartWith("v1"));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("v2"));
        cache.ClearMemory();
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).Value, Is.EqualTo("v2"), "disk and L3 too");
    }

    [Test]
    public async Task GetOrCreateAsync_KeyRemovedWhileTheFactoryRuns_ValueIsNotCached()
    {
        using var cache = Create();
        var (loading, source) = await StartHeldLoadAsync(cache);
        await cache.RemoveAsync("k");
        source.SetResult("v1");

        Assert.That(await loading, Is.EqualTo("v1"));
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.Embeddings)).HasValue, Is.False);
    }

    [Test]
    public async Task TryGetAsync_SessionRenewalRacingARemoval_DoesNotBringTheValueBack()
    {
        var disk = new GatedDiskStore(_disk);
        using var cache = Create(o => o.SessionTimeToLive = TimeSpan.FromMinutes(30), diskStore: disk);
        await cache.SetAsync("session", "token", CachePolicyNames.UserPreferences);
        _time.Advance(TimeSpan.FromMinutes(20));

        // The renewal's disk write is held after the read decided to renew; the user logs out meanwhile.
        disk.HoldNextWrite();
        var renewing = cache.TryGetAsync<string>("session", CachePolicyNames.UserPreferences).AsTask();
        await disk.WriteHeld.WaitAsync(TimeSpan.FromSeconds(10));
        await cache.RemoveAsync("session");
        disk.Release();
        await renewing;

        Assert.That((await cache.TryGetAsync<string>("session", CachePolicyNames.UserPreferences)).HasValue, Is.False);
        cache.ClearMemory();
        Assert.That((await cache.TryGetAsync<string>("session", CachePolicyNames.UserPreferences)).HasValue, Is.False, "no disk copy either");
    }

    /// <summary>Starts a load of "k" whose factory is running, and waits for its answer until the test gives one.</summary>
    private static async Task<(Task<string> Loading, TaskCompletionSource<string> Source)> StartHeldLoadAsync(TieredCache cache)
    {
        var source = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loading = cache.GetOrCreateAsync(
            "k",
            _ =>
            {
                started.TrySetResult();
                return new ValueTask<string>(source.Task);
            },
            CachePolicyNames.Embeddings).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return (loading, source);
    }

    /// <summary>A disk tier whose next write can be held until released.</summary>
    private sealed class GatedDiskStore(IBinaryCacheStore inner) : IBinaryCacheStore
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holdNext;

        public Task WriteHeld => _held.Task;

        public void HoldNextWrite() => Volatile.Write(ref _holdNext, 1);

        public void Release() => _release.TrySetResult();

        public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public async ValueTask SetAsync(string key, ReadOnlyMemory<byte> value, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _holdNext, 0) == 1)
            {
                _held.TrySetResult();
                await _release.Task.WaitAsync(cancellationToken);
            }

            await inner.SetAsync(key, value, absoluteExpiration, cancellationToken);
        }

        public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) => inner.RemoveAsync(key, cancellationToken);
    }
}
