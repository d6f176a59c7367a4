namespace ResourceKit.Caching.Tests.InMemory;

public sealed class TinyLfuCacheTests
{
    [Test]
    public void TryGet_AfterSet_ReturnsValue()
    {
        using var cache = TestCaches.Create(10);
        cache.Set(1, 100);

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet(1, out var value), Is.True);
            Assert.That(value, Is.EqualTo(100));
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(cache.Weight, Is.EqualTo(1));
        });
    }

    [Test]
    public void TryGet_MissingKey_ReturnsFalseAndCountsMiss()
    {
        using var cache = TestCaches.Create(10, configure: o => o.CountHitsAndMisses = true);

        Assert.That(cache.TryGet(1, out _), Is.False);
        Assert.That(cache.GetStatistics().Misses, Is.EqualTo(1));
    }

    [Test]
    public void Set_ExistingKey_ReplacesValueAndRaisesReplaced()
    {
        using var cache = TestCaches.Create(10);
        var removed = new List<CacheEntryRemovedEventArgs<int, int>>();
        cache.EntryRemoved += (_, e) => removed.Add(e);
        cache.Set(1, 100);
        cache.Set(1, 200);

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet(1, out var value) ? value : -1, Is.EqualTo(200));
            Assert.That(cache.Count, Is.EqualTo(1));
            Assert.That(removed, Has.Count.EqualTo(1));
            Assert.That(removed[0].Cause, Is.EqualTo(CacheRemovalCause.Replaced));
            Assert.That(removed[0].Value, Is.EqualTo(100));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Set_ManyMoreKeysThanCapacity_KeepsBoundAndRaisesEvicted()
    {
        using var cache = TestCaches.Create(100);
        var evicted = 0;
        cache.EntryRemoved += (_, e) => evicted += e.Cause == CacheRemovalCause.Evicted ? 1 : 0;
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set(i, i);
            Assert.That(cache.Count, Is.LessThanOrEqualTo(100));
        }

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.EqualTo(100));
            Assert.That(evicted, Is.EqualTo(9_900));
            Assert.That(cache.GetStatistics().Evictions, Is.EqualTo(9_900));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Set_WithWeigher_KeepsTotalWeightWithinCapacity()
    {
        using var cache = TestCaches.Create<int, string>(1_000, configure: o => o.Weigher = (_, v) => v.Length);
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            cache.Set(random.Next(2_000), new string('x', random.Next(1, 200)));
            Assert.That(cache.Weight, Is.LessThanOrEqualTo(1_000));
        }

        cache.AssertConsistent();
    }

    [Test]
    public void Set_EntryHeavierThanCapacity_IsNotCachedAndDropsOldValue()
    {
        using var cache = TestCaches.Create<int, string>(10, configure: o => o.Weigher = (_, v) => v.Length);
        cache.Set(1, "small");
        cache.Set(1, new string('x', 11));

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryGet(1, out _), Is.False);
            Assert.That(cache.Weight, Is.Zero);
            Assert.That(cache.GetStatistics().Rejections, Is.EqualTo(1));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void TryGet_HotKeysThenLongScan_HotKeysSurvive()
    {
        using var cache = TestCaches.Create(100);
        for (var round = 0; round < 20; round++)
        {
            for (var key = 0; key < 50; key++)
            {
                if (!cache.TryGet(key, out _))
                {
                    cache.Set(key, key);
                }
            }
        }

        // A scan of 5,000 new keys with the hot set re-read every 100 keys: LRU would lose every hot
        // key between re-reads (100 scan keys fill it), TinyLFU keeps them.
        var hotHits = 0;
        for (var key = 1_000; key < 6_000; key++)
        {
            if (!cache.TryGet(key, out _))
            {
                cache.Set(key, key);
            }

            if (key % 100 == 0)
            {
                for (var hot = 0; hot < 50; hot++)
                {
                    if (cache.TryGet(hot, out _))
                    {
                        hotHits++;
                    }
                    else
                    {
                        cache.Set(hot, hot);
                    }
                }
            }
        }

        var survivors = Enumerable.Range(0, 50).Count(key => cache.TryGet(key, out _));
        Assert.Multiple(() =>
        {
            Assert.That(survivors, Is.GreaterThanOrEqualTo(45));
            Assert.That(hotHits, Is.GreaterThanOrEqualTo(50 * 50 * 9 / 10));
        });
    }

    [Test]
    public void TryRemove_ExistingKey_RemovesAndRaisesRemoved()
    {
        using var cache = TestCaches.Create(10);
        CacheRemovalCause? cause = null;
        cache.EntryRemoved += (_, e) => cause = e.Cause;
        cache.Set(1, 1);

        Assert.Multiple(() =>
        {
            Assert.That(cache.TryRemove(1), Is.True);
            Assert.That(cache.TryRemove(1), Is.False);
            Assert.That(cache.TryGet(1, out _), Is.False);
            Assert.That(cause, Is.EqualTo(CacheRemovalCause.Removed));
            Assert.That(cache.Count, Is.Zero);
        });
        cache.AssertConsistent();
    }

    [Test]
    public void RemoveWhere_EvenKeys_RemovesOnlyThose()
    {
        using var cache = TestCaches.Create(100);
        for (var i = 0; i < 20; i++)
        {
            cache.Set(i, i);
        }

        Assert.Multiple(() =>
        {
            Assert.That(cache.RemoveWhere((key, _) => key % 2 == 0), Is.EqualTo(10));
            Assert.That(cache.Count, Is.EqualTo(10));
            Assert.That(cache.TryGet(1, out _), Is.True);
            Assert.That(cache.TryGet(2, out _), Is.False);
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Clear_WithEntries_EmptiesCache()
    {
        using var cache = TestCaches.Create(100);
        for (var i = 0; i < 50; i++)
        {
            cache.Set(i, i);
        }

        cache.Clear();

        Assert.Multiple(() =>
        {
            Assert.That(cache.Count, Is.Zero);
            Assert.That(cache.Weight, Is.Zero);
            Assert.That(cache.GetStatistics().Removals, Is.EqualTo(50));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Clear_ThenMissesOnKeysEvictedBeforeIt_DoNotMoveTheWindow()
    {
        using var cache = TestCaches.Create(100);
        // A scan: admission refuses each key as it leaves the window, so the window's ghost list ends with the last ones.
        for (var i = 0; i < 1_000; i++)
        {
            cache.Set(i, i);
        }

        cache.Clear();
        var before = cache.GetStatistics().WindowFraction;

        // The last hundred keys refill the empty cache without an eviction; had the ghosts survived the clear, the scan's
        // last victims among them would read as hits a larger window would have had and grow it.
        for (var i = 900; i < 1_000; i++)
        {
            cache.Set(i, i);
        }

        Assert.That(cache.GetStatistics().WindowFraction, Is.EqualTo(before));
        cache.AssertConsistent();
    }

    [Test]
    public void Resize_Smaller_EvictsDownToNewCapacity()
    {
        using var cache = TestCaches.Create(100);
        for (var i = 0; i < 100; i++)
        {
            cache.Set(i, i);
        }

        cache.Resize(10);

        Assert.Multiple(() =>
        {
            Assert.That(cache.Capacity, Is.EqualTo(10));
            Assert.That(cache.Count, Is.EqualTo(10));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void Trim_Quarter_EvictsAboutAQuarterOfTheWeight()
    {
        using var cache = TestCaches.Create(100);
        for (var i = 0; i < 100; i++)
        {
            cache.Set(i, i);
        }

        var trimmed = cache.Trim(0.25);

        Assert.Multiple(() =>
        {
            Assert.That(trimmed, Is.EqualTo(25));
            Assert.That(cache.Count, Is.EqualTo(75));
            Assert.That(cache.Capacity, Is.EqualTo(100));
        });
        cache.AssertConsistent();
    }

    [Test]
    public void GetStatistics_AfterHitsAndMisses_ReportsCounters()
    {
        using var cache = TestCaches.Create(10, configure: o => o.CountHitsAndMisses = true);
        cache.Set(1, 1);
        cache.TryGet(1, out _);
        cache.TryGet(1, out _);
        cache.TryGet(2, out _);

        var statistics = cache.GetStatistics();

        Assert.Multiple(() =>
        {
            Assert.That(statistics.CountsHitsAndMisses, Is.True);
            Assert.That(statistics.Hits, Is.EqualTo(2));
            Assert.That(statistics.Misses, Is.EqualTo(1));
            Assert.That(statistics.HitRatio, Is.EqualTo(2.0 / 3).Within(1e-9));
            Assert.That(statistics.Count, Is.EqualTo(1));
            Assert.That(statistics.Capacity, Is.EqualTo(10));
        });
    }

    [Test]
    public void GetStatistics_NotCountingHitsAndMisses_ReportsZeroLookupsButEverythingElse()
    {
        using var cache = TestCaches.Create(1);
        cache.Set(1, 1);
        cache.Set(2, 2);
        cache.TryGet(2, out _);
        cache.TryGet(3, out _);

        var statistics = cache.GetStatistics();

        Assert.Multiple(() =>
        {
            Assert.That(statistics.CountsHitsAndMisses, Is.False, "off by default, like MemoryCacheOptions.TrackStatistics");
            Assert.That(statistics.Hits, Is.Zero);
            Assert.That(statistics.Misses, Is.Zero);
            Assert.That(statistics.HitRatio, Is.Zero);
            Assert.That(statistics.Evictions, Is.EqualTo(1), "evictions are counted either way");
            Assert.That(statistics.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void GetStatistics_ManyReadsOfManyKeys_CountsEveryHit()
    {
        // 1,000 keys: more than a stripe of the read buffer holds, so records are dropped; counts are not.
        using var cache = TestCaches.Create(2_000, configure: o => o.CountHitsAndMisses = true);
        for (var key = 0; key < 1_000; key++)
        {
            cache.Set(key, key);
        }

        for (var round = 0; round < 200; round++)
        {
            for (var key = 0; key < 1_000; key++)
            {
                cache.TryGet(key, out _);
            }
        }

        var hits = cache.GetStatistics().Hits;

        Assert.That(hits, Is.EqualTo(200_000));
        Assert.That(cache.GetStatistics().Hits, Is.EqualTo(hits), "a second snapshot neither loses nor adds reads");
    }

    [Test]
    public void TryGet_HotKeyBetweenWrites_IsRecordedForThePolicyOncePerWrite()
    {
        using var cache = TestCaches.Create(100);
        cache.Set(1, 1);
        var before = cache.ReadRecordsApplied;

        for (var i = 0; i < 1_000; i++)
        {
            cache.TryGet(1, out _);
        }

        cache.RunMaintenance();
        Assert.That(cache.ReadRecordsApplied - before, Is.EqualTo(1), "1,000 reads in one read epoch are one record");

        cache.Set(2, 2);
        cache.TryGet(1, out _);
        cache.TryGet(1, out _);
        cache.RunMaintenance();
        Assert.That(cache.ReadRecordsApplied - before, Is.EqualTo(2), "a write starts a new epoch, in which the first read records again");
    }

    [Test]
    public void TryGet_MoreKeysThanAStripeHolds_RecordsEachOnceEvenWhenTheStripeFills()
    {
        const int Keys = (StripedReadBuffer<object>.StripeCapacity * 2) + 44;
        using var cache = TestCaches.Create(1_000);
        for (var key = 0; key < Keys; key++)
        {
            cache.Set(key, key);
        }

        var before = cache.ReadRecordsApplied;

        // The first round fills the stripe (a full stripe drains at once in foreground mode); a read whose record was
        // dropped is re-armed, so the second round records what the first could not. Draining reads starts no epoch.
        for (var round = 0; round < 3; round++)
        {
            for (var key = 0; key < Keys; key++)
            {
                cache.TryGet(key, out _);
            }
        }

        cache.RunMaintenance();

        Assert.That(cache.ReadRecordsApplied - before, Is.EqualTo(Keys));
    }

    [Test]
    public void TryGet_LongReadOnlyPhase_StartsANewReadEpochEverySixteenPasses()
    {
        // A pass without writes starts no epoch (or reading many keys would record every hit), except every 16th, so
        // that an entry whose record a race lost is seen again. With one stripe, each 129th distinct read finds the
        // stripe full, and in foreground mode that runs a pass at once.
        const int Keys = 4_000;
        using var cache = TestCaches.Create(Keys);
        for (var key = 0; key < Keys; key++)
        {
            cache.Set(key, key);
        }

        var epoch = cache.ReadEpoch;
        for (var key = 0; key < 129 * 10; key++)
        {
            cache.TryGet(key, out _);
        }

        Assert.That(cache.ReadEpoch, Is.EqualTo(epoch), "ten read-only passes");

        for (var key = 129 * 10; key < 129 * 20; key++)
        {
            cache.TryGet(key, out _);
        }

        Assert.That(cache.ReadEpoch, Is.EqualTo(epoch + 1), "the sixteenth read-only pass");
    }

    [Test]
    public void TryGet_WhileWritersGrowTheMap_NeverMissesAPresentKey()
    {
        // Every key in one hash chain, so each growth of the map re-links the chain the readers walk: the hit's
        // lock-free lookup may then miss, and the slow path must look again rather than report a miss. The key's own
        // hash rather than a comparer, because only the default comparer's hits take the lock-free path.
        using var cache = new TinyLfuCache<CollidingKey, int>(new TinyLfuCacheOptions<CollidingKey, int> { Capacity = 100_000 });
        const int Resident = 100;
        for (var key = 0; key < Resident; key++)
        {
            cache.Set(new CollidingKey(key), key);
        }

        long misses = 0;
        var overlap = ReadersDuringWrites.Run(
            writers: 2,
            writesPerWriter: 2_000,
            write: (w, i) => cache.Set(new CollidingKey(Resident + (i * 2) + w), i),
            readers: 2,
            read: (r, i) =>
            {
                var key = (r + (7 * i)) % Resident;
                if (!cache.TryGet(new CollidingKey(key), out var value) || value != key)
                {
                    Interlocked.Increment(ref misses);
                }
            });

        Assert.That(overlap, Is.GreaterThanOrEqualTo(ReadersDuringWrites.MinimumOverlap(2_000)), "reads overlapped the writes");
        Assert.That(misses, Is.Zero);
        Assert.That(cache.Count, Is.EqualTo(Resident + 4_000));
    }

    [Test]
    public void TryGet_ValueTypeKeyWithAComparerOfItsOwn_FindsAndCountsByThatComparer()
    {
        // Such a key skips the lock-free lookup (its comparer's calls would cost the default's hit), so every hit
        // takes the full lookup; it must still find entries by the comparer's equality, over repeated reads.
        using var cache = new TinyLfuCache<int, int>(new TinyLfuCacheOptions<int, int>
        {
            Capacity = 100,
            KeyComparer = new LastDigitComparer(),
            CountHitsAndMisses = true,
        });
        cache.Set(7, 70);
        cache.RunMaintenance();

        for (var i = 0; i < 3; i++)
        {
            Assert.That(cache.TryGet(17, out var value), Is.True);
            Assert.That(value, Is.EqualTo(70));
        }

        Assert.That(cache.TryGet(8, out _), Is.False);
        Assert.That(cache.GetStatistics().Hits, Is.EqualTo(3));
        Assert.That(cache.GetStatistics().Misses, Is.EqualTo(1));
    }

    [Test]
    public void TryGet_Hit_AllocatesNothing()
    {
        using var cache = TestCaches.Create(100);
        cache.Set(1, 1);
        cache.TryGet(1, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            cache.TryGet(1, out _);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new TinyLfuCacheOptions<int, int> { Capacity = 0, MaximumWindowFraction = 2, ExpireAfterWrite = TimeSpan.Zero };

        var exception = Assert.Throws<ArgumentException>(() => new TinyLfuCache<int, int>(options));

        Assert.That(exception!.Message, Does.Contain("Capacity").And.Contain("MaximumWindowFraction").And.Contain("ExpireAfterWrite"));
    }

    [Test]
    public void Set_NullKeyOrValue_Throws()
    {
        using var cache = TestCaches.Create<string, string>(10);

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => cache.Set(null!, "v"));
            Assert.Throws<ArgumentNullException>(() => cache.Set("k", null!));
            Assert.Throws<ArgumentNullException>(() => cache.TryGet(null!, out _));
            Assert.Throws<ArgumentNullException>(() => cache.TryRemove(null!));
        });
    }

    [Test]
    public void Set_NullableValueTypeValueThatIsNull_Throws()
    {
        using var cache = TestCaches.Create<int, int?>(10);

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => cache.Set(1, null));
            Assert.That(cache.Count, Is.Zero);
        });
    }

    [Test]
    public void Set_NegativeWeight_Throws()
    {
        using var cache = TestCaches.Create<int, int>(10, configure: o => o.Weigher = (_, _) => -1);

        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set(1, 1));
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public void Members_BadArguments_Throw()
    {
        using var cache = TestCaches.Create(10);

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set(1, 1, TimeSpan.Zero));
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Resize(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => cache.Trim(1.5));
            Assert.Throws<ArgumentNullException>(() => cache.RemoveWhere(null!));
            Assert.Throws<ArgumentNullException>(() => cache.GetOrAdd(1, null!));
        });
    }

    /// <summary>Integers equal when their last decimal digits are.</summary>
    private sealed class LastDigitComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => Math.Abs(x % 10) == Math.Abs(y % 10);

        public int GetHashCode(int obj) => Math.Abs(obj % 10);
    }
}
