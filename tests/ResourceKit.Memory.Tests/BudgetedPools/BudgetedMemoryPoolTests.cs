using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.BudgetedPools;

namespace ResourceKit.Memory.Tests.BudgetedPools;

public sealed class BudgetedMemoryPoolTests
{
    [Test]
    public void TryAdd_WithinBudget_TracksBytes()
    {
        var pool = CreatePool(1000);

        var result = pool.TryAdd("a", new object(), 400);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(pool.Statistics.UsedBytes, Is.EqualTo(400));
            Assert.That(pool.Statistics.Entries, Is.EqualTo(1));
        });
    }

    [Test]
    public void TryAdd_OverBudget_EvictsLeastRecentlyUsedFirst()
    {
        var pool = CreatePool(1000);
        pool.TryAdd("a", "A", 400);
        pool.TryAdd("b", "B", 400);
        pool.TryGet<string>("a", out _);

        var result = pool.TryAdd("c", "C", 400);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(result.EvictedEntries, Is.EqualTo(1));
            Assert.That(pool.TryGet<string>("b", out _), Is.False);
            Assert.That(pool.TryGet<string>("a", out _), Is.True);
            Assert.That(pool.Statistics.UsedBytes, Is.EqualTo(800));
        });
    }

    [Test]
    public void TryAdd_OnlyPinnedEntries_RefusedWithoutEvicting()
    {
        var pool = CreatePool(1000);
        pool.TryAdd("pinned", "P", 700, reclaimable: false);
        pool.TryAdd("loose", "L", 200);

        var result = pool.TryAdd("big", "B", 500);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(MemoryPoolAllocationStatus.BudgetExhausted));
            Assert.That(pool.TryGet<string>("loose", out _), Is.True, "nothing is evicted in vain");
            Assert.That(pool.Statistics.Rejections, Is.EqualTo(1));
        });
    }

    [Test]
    public void TryAdd_LargerThanBudget_TooLarge()
    {
        var pool = CreatePool(1000);

        Assert.That(pool.TryAdd("huge", "H", 1001).Status, Is.EqualTo(MemoryPoolAllocationStatus.TooLarge));
    }

    [Test]
    public void TryAdd_SameKey_ReplacesAndRecountsBytes()
    {
        var pool = CreatePool(1000);
        pool.TryAdd("a", "old", 600);

        var result = pool.TryAdd("a", "new", 900);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(pool.Statistics.UsedBytes, Is.EqualTo(900));
            Assert.That(pool.TryGet<string>("a", out var value) ? value : null, Is.EqualTo("new"));
        });
    }

    [Test]
    public void TryAdd_WeakEntryCollected_ReleasesItsBytesFirst()
    {
        var pool = CreatePool(1000);
        AddUnreachable(pool, "weak", 600);
        pool.TryAdd("strong", "S", 300);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var result = pool.TryAdd("next", "N", 600);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(pool.TryGet<string>("strong", out _), Is.True, "the live entry survives, the collected one goes first");
            Assert.That(pool.Statistics.UsedBytes, Is.EqualTo(900));
        });
    }

    [Test]
    public void TryGet_WeakEntryAlive_ReturnsValue()
    {
        var pool = CreatePool(1000);
        var value = new List<int> { 1 };
        pool.TryAdd("weak", value, 10, MemoryPoolReference.Weak);

        Assert.That(pool.TryGet<List<int>>("weak", out var found) ? found : null, Is.SameAs(value));
        GC.KeepAlive(value);
    }

    [Test]
    public void TryAddBytes_LargeEntryWithCompression_StoresCompressedAndRoundTrips()
    {
        var pool = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MaxBytes = 1_000_000, CompressLargeEntries = true });
        var data = new byte[50_000];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i % 16);
        }

        var result = pool.TryAddBytes("doc", data);
        var found = pool.TryGetBytes("doc", out var back);

        Assert.Multiple(() =>
        {
            Assert.That(result.SizeBytes, Is.LessThan(data.Length / 4));
            Assert.That(found, Is.True);
            Assert.That(back, Is.EqualTo(data));
            Assert.That(pool.Statistics.CompressedEntries, Is.EqualTo(1));
            Assert.That(pool.Statistics.BytesSavedByCompression, Is.EqualTo(data.Length - result.SizeBytes));
        });
    }

    [Test]
    public void TryAddBytes_SmallEntry_StoredAsIs()
    {
        var pool = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MaxBytes = 1_000_000, CompressLargeEntries = true });

        var result = pool.TryAddBytes("small", new byte[100]);

        Assert.Multiple(() =>
        {
            Assert.That(result.SizeBytes, Is.EqualTo(100));
            Assert.That(pool.Statistics.CompressedEntries, Is.Zero);
        });
    }

    [Test]
    public void Trim_Half_EvictsLeastRecentlyUsedDownToMinimum()
    {
        var pool = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MinBytes = 300, MaxBytes = 1000 }, new FakeTimeProvider());
        for (var i = 0; i < 10; i++)
        {
            pool.TryAdd($"k{i}", i, 100);
        }

        var halfFreed = pool.Trim(0.5);
        var restFreed = pool.Trim(1);

        Assert.Multiple(() =>
        {
            Assert.That(halfFreed, Is.EqualTo(500));
            Assert.That(restFreed, Is.EqualTo(200));
            Assert.That(pool.Statistics.UsedBytes, Is.EqualTo(300));
            Assert.That(pool.TryGet<int>("k9", out _), Is.True);
            Assert.That(pool.TryGet<int>("k0", out _), Is.False);
        });
    }

    [Test]
    public void Trim_EntriesLargerThanRoomAboveMinimum_NeverGoesBelowMinimum()
    {
        var pool = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MinBytes = 60, MaxBytes = 1000 }, new FakeTimeProvider());
        pool.TryAdd("a", 1, 40);
        pool.TryAdd("b", 2, 40);
        pool.TryAdd("c", 3, 40);
        pool.TryAdd("d", 4, 10);

        var freed = pool.Trim(0.5);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Statistics.UsedBytes, Is.GreaterThanOrEqualTo(60));
            Assert.That(freed, Is.EqualTo(50), "least recently used first, skipping an entry that would cross the minimum");
            Assert.That(pool.TryGet<int>("b", out _), Is.True);
        });
    }

    [Test]
    public void Constructor_OptionsChangedAfterward_NoEffect()
    {
        var options = new BudgetedMemoryPoolOptions { MaxBytes = 100 };
        var pool = new BudgetedMemoryPool(options, new FakeTimeProvider());

        options.MaxBytes = 10;
        options.MinBytes = 1000;

        Assert.Multiple(() =>
        {
            Assert.That(pool.TryAdd("a", 1, 50).Succeeded, Is.True);
            Assert.That(pool.Statistics.MaxBytes, Is.EqualTo(100));
            Assert.That(pool.Trim(1), Is.EqualTo(50));
        });
    }

    [Test]
    public void Remove_Existing_ReleasesBytes()
    {
        var pool = CreatePool(1000);
        pool.TryAdd("a", "A", 500);

        Assert.Multiple(() =>
        {
            Assert.That(pool.Remove("a"), Is.True);
            Assert.That(pool.Remove("a"), Is.False);
            Assert.That(pool.Statistics.UsedBytes, Is.Zero);
        });
    }

    [Test]
    public void TryAdd_SixteenThreads_BudgetNeverExceeded()
    {
        const long max = 10_000;
        var pool = CreatePool(max);
        var observedOver = 0;

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, thread =>
        {
            var random = new Random(thread);
            for (var i = 0; i < 2_000; i++)
            {
                var key = $"{thread}-{random.Next(50)}";
                switch (random.Next(4))
                {
                    case 0:
                        pool.Remove(key);
                        break;
                    case 1:
                        pool.TryGet<string>(key, out _);
                        break;
                    default:
                        pool.TryAdd(key, key, random.Next(1, 1_500), reclaimable: random.Next(5) != 0);
                        break;
                }

                if (pool.Statistics.UsedBytes > max)
                {
                    Interlocked.Increment(ref observedOver);
                }
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(observedOver, Is.Zero);
            Assert.That(pool.Statistics.UsedBytes, Is.LessThanOrEqualTo(max));
        });
    }

    [Test]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        Assert.That(
            () => new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MinBytes = -1, MaxBytes = 0 }),
            Throws.ArgumentException.With.Message.Contains("MinBytes must not be negative").And.Message.Contains("MaxBytes must be at least 1"));
    }

    [Test]
    public void Constructor_MaxBelowMin_Throws()
    {
        Assert.That(
            () => new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { MinBytes = 500, MaxBytes = 100 }),
            Throws.ArgumentException.With.Message.Contains("MaxBytes (100) must not be less than MinBytes (500)"));
    }

    [Test]
    public void TryAdd_NegativeSize_Throws()
    {
        Assert.That(() => CreatePool(100).TryAdd("a", "A", -1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    private static BudgetedMemoryPool CreatePool(long max) =>
        new(new BudgetedMemoryPoolOptions { Name = "test", MaxBytes = max }, new FakeTimeProvider());

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddUnreachable(BudgetedMemoryPool pool, string key, long size) =>
        pool.TryAdd(key, new byte[16], size, MemoryPoolReference.Weak);
}
