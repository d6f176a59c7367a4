using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Caching.Tests.InMemory;

public sealed class TinyLfuCacheExpirationTests
{
    private readonly FakeTimeProvider _time = new();

    [Test]
    public void Set_WithTimeToLive_ExpiresAfterIt()
    {
        using var cache = TestCaches.Create(10, _time);
        cache.Set(1, 1, TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(cache.TryGet(1, out _), Is.True);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.TryGet(1, out _), Is.False);
    }

    [Test]
    public void TryGet_EntryReadManyTimesInOneReadEpoch_StillExpires()
    {
        // Only the first read in an epoch is recorded; later hits on entries that cannot expire skip every check. An
        // entry that can expire must never take that shortcut, however often it is read without a write in between.
        using var cache = TestCaches.Create(10, _time);
        cache.Set(1, 1, TimeSpan.FromSeconds(10));
        cache.Set(2, 2);
        for (var i = 0; i < 100; i++)
        {
            Assert.That(cache.TryGet(1, out _), Is.True);
            Assert.That(cache.TryGet(2, out _), Is.True);
        }

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.That(cache.TryGet(1, out _), Is.False);
        Assert.That(cache.TryGet(2, out _), Is.True, "an entry without expiry stays");
    }

    [Test]
    public void Set_ExpireAfterWriteOption_ReadsDoNotExtendLife()
    {
        using var cache = TestCaches.Create(10, _time, o => o.ExpireAfterWrite = TimeSpan.FromSeconds(10));
        cache.Set(1, 1);
        for (var i = 0; i < 9; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.That(cache.TryGet(1, out _), Is.True);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(cache.TryGet(1, out _), Is.False);
    }

    [Test]
    public void TryGet_ExpireAfterAccessOption_ReadsKeepEntryAliveAndIdleExpires()
    {
        using var cache = TestCaches.Create(10, _time, o => o.ExpireAfterAccess = TimeSpan.FromSeconds(10));
        cache.Set(1, 1);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(8));
            Assert.That(cache.TryGet(1, out _), Is.True);
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(cache.TryGet(1, out _), Is.False);
    }

    [Test]
    public void TryGet_AccessExpiryWithTimeToLive_NeverOutlivesTheTimeToLive()
    {
        using var cache = TestCaches.Create(10, _time, o => o.ExpireAfterAccess = TimeSpan.FromSeconds(10));
        cache.Set(1, 1, TimeSpan.FromSeconds(15));
        _time.Advance(TimeSpan.FromSeconds(8));
        Assert.That(cache.TryGet(1, out _), Is.True);
        _time.Advance(TimeSpan.FromSeconds(7));
        Assert.That(cache.TryGet(1, out _), Is.False);
    }

    [Test]
    public void TryGet_ExpiredEntry_RaisesExpiredAndRemovesIt()
    {
        using var cache = TestCaches.Create(10, _time);
        CacheRemovalCause? cause = null;
        cache.EntryRemoved += (_, e) => cause = e.Cause;
        cache.Set(1, 1, TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet(1, out _), Is.False);
            Assert.That(cause, Is.EqualTo(CacheRemovalCause.Expired));
            Assert.That(cache.Count, Is.Zero);
            Assert.That(cache.GetStatistics().Expirations, Is.EqualTo(1));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void RunMaintenance_AfterScanInterval_SweepsExpiredEntries()
    {
        using var cache = TestCaches.Create(100, _time, o => o.ExpirationScanInterval = TimeSpan.FromSeconds(30));
        for (var i = 0; i < 50; i++)
        {
            cache.Set(i, i, TimeSpan.FromSeconds(i < 25 ? 10 : 1_000));
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        cache.RunMaintenance();

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.EqualTo(25));
            Assert.That(cache.GetStatistics().Expirations, Is.EqualTo(25));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void RemoveWhere_ExpiredEntries_AreNotOfferedToThePredicate()
    {
        using var cache = TestCaches.Create(10, _time);
        cache.Set(1, 1, TimeSpan.FromSeconds(1));
        cache.Set(2, 2);
        _time.Advance(TimeSpan.FromSeconds(2));
        var seen = new List<int>();

        cache.RemoveWhere((key, _) =>
        {
            seen.Add(key);
            return false;
        });

        Assert.That(seen, Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void Set_ExpiredEntryReplaced_RaisesExpired()
    {
        using var cache = TestCaches.Create(10, _time);
        var causes = new List<CacheRemovalCause>();
        cache.EntryRemoved += (_, e) => causes.Add(e.Cause);
        cache.Set(1, 1, TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        cache.Set(1, 2);

        Assert.That(causes, Is.EqualTo(new[] { CacheRemovalCause.Expired }));
    }
}
