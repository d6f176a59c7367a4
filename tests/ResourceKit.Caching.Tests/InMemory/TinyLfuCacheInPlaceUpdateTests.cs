namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>
/// A write of a cached key whose value writes atomically, and that changes neither weight nor expiry, replaces the
/// value in the node readers already hold. These tests pin down what that must not change.
/// </summary>
public sealed class TinyLfuCacheInPlaceUpdateTests
{
    [Test]
    public void Set_ExistingKey_ReplacesTheValueWithoutAllocatingAndCountsAReplacement()
    {
        using var cache = TestCaches.Create(10);
        cache.Set(1, 0);
        cache.Set(1, 1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 2; i <= 1_000; i++)
        {
            cache.Set(1, i);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(allocated, Is.Zero);
            Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(1_000));
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(cache.GetStatistics().Replacements, Is.EqualTo(1_000));
        });
        cache.AssertConsistent();
    }

    [Test]
    public async Task Set_ManyWritersOfOneKeyWithARemovalHandler_RaiseOneReplacedEventPerValueButTheLast()
    {
        // Updates in place hand the handler the value each one replaced: every value written leaves exactly once,
        // except the one still cached. A value reported twice or never would show as a difference.
        const int Writers = 4;
        const int Writes = 20_000;
        using var cache = TestCaches.Create<int, long>(10, configure: o => o.MaintenanceMode = CacheMaintenanceMode.Background);
        var replaced = new System.Collections.Concurrent.ConcurrentQueue<long>();
        cache.EntryRemoved += (_, e) =>
        {
            if (e.Cause == CacheRemovalCause.Replaced)
            {
                replaced.Enqueue(e.Value);
            }
        };

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < Writes; i++)
            {
                cache.Set(1, ((long)w * 1_000_000) + i);
            }
        })));

        Assert.That(cache.TryGet(1, out var last), Is.True);
        var written = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, Writes).Select(i => ((long)w * 1_000_000) + i));
        Assert.That(replaced.Append(last).Order(), Is.EqualTo(written.Order()));
    }

    [Test]
    public void Set_ExistingKeyOfOtherAtomicValueTypes_ReplacesTheValueWithoutAllocating()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AllocatedByUpdates(0.5, 1.5), Is.Zero, "double");
            Assert.That(AllocatedByUpdates(DayOfWeek.Monday, DayOfWeek.Friday), Is.Zero, "enum");
            Assert.That(AllocatedByUpdates("first", "second"), Is.Zero, "string");
        });
    }

    [Test]
    public void Set_UpdatesOfAKey_CountForThePolicyAsReads()
    {
        // A scan of keys each read once after its write flushes entries that were written once; the one key also
        // updated (in place) between the scan's writes is as popular as if it had been read, and stays.
        const int Updated = 57;
        using var cache = TestCaches.Create(100);
        for (var key = 0; key < 100; key++)
        {
            cache.Set(key, key);
        }

        for (var key = 1_000; key < 3_000; key++)
        {
            cache.Set(key, key);
            cache.TryGet(key, out _);
            cache.Set(Updated, key);
        }

        Assert.Multiple(() =>
        {
            // An update that found the key evicted would have added it anew rather than replaced it.
            Assert.That(cache.GetStatistics().Replacements, Is.EqualTo(2_000), "the updated key was never evicted");
            Assert.That(Enumerable.Range(0, 100).Count(key => key != Updated && cache.TryGet(key, out _)), Is.Zero, "the scan flushed the others");
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Set_ExistingKeyWithAnExpiry_StillExpires()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var cache = TestCaches.Create(10, time);
        cache.Set(1, 1);
        cache.Set(1, 2, TimeSpan.FromSeconds(5));
        cache.Set(1, 3, TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.That(cache.TryGet(1, out _), Is.False);
    }

    [Test]
    public void Set_ExistingKeyThatExpiresWithoutExpiry_NoLongerExpires()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var cache = TestCaches.Create(10, time);
        cache.Set(1, 1, TimeSpan.FromSeconds(5));
        cache.Set(1, 2);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(2));
    }

    [Test]
    public void Set_NullNullableKey_Throws()
    {
#pragma warning disable CS8714 // A nullable key breaks the notnull constraint on purpose: the cache must reject its null.
        using var cache = TestCaches.Create<int?, int>(10);
#pragma warning restore CS8714

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => cache.Set(null, 1));
            Assert.That(cache.Count, Is.Zero);
        });
    }

    [Test]
    public void Set_ExistingKeyWhoseWeightChanges_UpdatesTheWeight()
    {
        using var cache = TestCaches.Create<int, string>(100, configure: o => o.Weigher = (_, value) => value.Length);
        cache.Set(1, "ab");
        cache.Set(1, "cd");
        cache.Set(1, "efghij");

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet(1, out var value) ? value : null, Is.EqualTo("efghij"));
            Assert.That(cache.Weight, Is.EqualTo(6));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void RemoveWhere_ValueReplacedWhileThePredicateRuns_KeepsTheNewValue()
    {
        using var cache = TestCaches.Create(10);
        cache.Set(1, 1);

        // The predicate saw value 1 and says remove; by then the key holds 2, which the predicate never saw.
        var removed = cache.RemoveWhere((key, value) =>
        {
            cache.Set(key, 2);
            return value == 1;
        });

        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.Zero);
            Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(2));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void RemoveWhere_RacingAWriter_NeverRemovesAValueItDidNotTest()
    {
        // One writer sets odd and even values in turn and reads each even value straight back; a remover keeps removing
        // odd values. A removal that tested an odd value and then unlinked the even one written meanwhile would make
        // that read miss.
        using var cache = TestCaches.Create<int, int>(10, configure: o => o.MaintenanceMode = CacheMaintenanceMode.Background);
        using var done = new CancellationTokenSource();
        var remover = Task.Run(() =>
        {
            var removals = 0;
            while (!done.IsCancellationRequested)
            {
                removals += cache.RemoveWhere((_, value) => value % 2 == 1);
            }

            return removals;
        });

        var lost = 0;
        for (var i = 0; i < 200_000; i += 2)
        {
            cache.Set(1, i + 1);
            cache.Set(1, i);
            if (!cache.TryGet(1, out var value) || value != i)
            {
                lost++;
            }
        }

        done.Cancel();
        remover.Wait();
        Assert.That(lost, Is.Zero);
        cache.AssertConsistent();
    }

    [Test]
    public async Task Set_WideStructValues_ReadersNeverSeeATornValue()
    {
        // Five longs cannot be written atomically, so they must never be replaced in a node a reader holds.
        using var cache = TestCaches.Create<int, Wide>(10, configure: o => o.MaintenanceMode = CacheMaintenanceMode.Background);
        cache.Set(1, new Wide(0));
        using var done = new CancellationTokenSource();
        var writers = Enumerable.Range(1, 2).Select(w => Task.Run(() =>
        {
            for (long i = 0; !done.IsCancellationRequested; i++)
            {
                var v = (i * 2) + w;
                cache.Set(1, new Wide(v));
            }
        })).ToArray();

        var torn = 0;
        for (var i = 0; i < 500_000; i++)
        {
            if (cache.TryGet(1, out var value) && !value.IsWhole)
            {
                torn++;
            }
        }

        await done.CancelAsync();
        await Task.WhenAll(writers);
        Assert.That(torn, Is.Zero);
    }

    [Test]
    public async Task AllWrites_ManyThreadsWithRemovalsAndEvictions_KeepInvariants()
    {
        // The in-place path under contention: a small cache (so evictions), removals by key and by predicate. Every
        // value carries its key, so a value that landed in another key's node shows, and the bookkeeping must add up.
        const int Capacity = 64;
        using var cache = TestCaches.Create<int, int>(Capacity, configure: o => o.MaintenanceMode = CacheMaintenanceMode.Background);
        var workers = Enumerable.Range(0, 8).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            var wrong = 0;
            for (var i = 0; i < 40_000; i++)
            {
                var key = random.Next(128);
                var roll = random.Next(100);
                if (roll < 50)
                {
                    cache.Set(key, (key * 1_000) + random.Next(1_000));
                }
                else if (roll < 95)
                {
                    wrong += cache.TryGet(key, out var value) && value / 1_000 != key ? 1 : 0;
                }
                else if (roll < 99)
                {
                    cache.TryRemove(key);
                }
                else
                {
                    cache.RemoveWhere((k, value) => k == key && value % 2 == 0);
                }
            }

            return wrong;
        })).ToArray();
        var wrongValues = await Task.WhenAll(workers);

        cache.RunMaintenance();
        Assert.Multiple(() =>
        {
            Assert.That(wrongValues.Sum(), Is.Zero);
            Assert.That(cache.Count, Is.LessThanOrEqualTo(Capacity));
            Assert.That(Enumerable.Range(0, 128).All(key => !cache.TryGet(key, out var value) || value / 1_000 == key), Is.True);
        });
        cache.AssertConsistent();
    }

    private static long AllocatedByUpdates<TValue>(TValue first, TValue second)
        where TValue : notnull
    {
        using var cache = TestCaches.Create<int, TValue>(10);
        cache.Set(1, first);
        cache.Set(1, second);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            cache.Set(1, (i & 1) == 0 ? first : second);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>A value wider than any single store: a torn read shows as fields that differ.</summary>
    private readonly record struct Wide(long A, long B, long C, long D, long E)
    {
        public Wide(long value)
            : this(value, value, value, value, value)
        {
        }

        public bool IsWhole => A == B && A == C && A == D && A == E;
    }
}
