using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Caching.Tests.InMemory;

public sealed class TinyLfuCacheSoakTests
{
    private const int Threads = 8;
    private const int OperationsPerThread = 20_000;

    [Test]
    public async Task Set_WritersOutpaceBackgroundMaintenance_OvershootStaysBounded()
    {
        // Every write a new key, from more threads than cores: the background pass cannot keep up, so writers that find
        // the write buffer over its limit must run passes themselves. The entries beyond capacity are then bounded: the
        // writes waiting in the buffer (its limit, 128 per core, plus one per writer racing past it) and, while a pass
        // runs, as many it has applied but not yet evicted.
        const int Capacity = 1_000;
        const int Writers = 4;
        using var cache = new TinyLfuCache<int, int>(new TinyLfuCacheOptions<int, int> { Capacity = Capacity, MaintenanceMode = CacheMaintenanceMode.Background });
        var bound = Capacity + (2 * ((128 * Environment.ProcessorCount) + Writers));
        var maxima = new int[Writers];
        var workers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                cache.Set((i * Writers) + w, i);
                maxima[w] = Math.Max(maxima[w], cache.Count);
            }
        }));
        await Task.WhenAll(workers);

        cache.RunMaintenance();
        Assert.Multiple(() =>
        {
            Assert.That(maxima.Max(), Is.LessThanOrEqualTo(bound));
            Assert.That(cache.Count, Is.LessThanOrEqualTo(Capacity));
        });
        cache.AssertConsistent();
    }

    [TestCase(CacheMaintenanceMode.Background)]
    [TestCase(CacheMaintenanceMode.Foreground)]
    public async Task AllOperations_ManyThreads_KeepInvariants(CacheMaintenanceMode mode)
    {
        var time = new FakeTimeProvider();
        using var cache = new TinyLfuCache<int, Stamped>(
            new TinyLfuCacheOptions<int, Stamped>
            {
                Capacity = 2_000,
                MaintenanceMode = mode,
                ExpireAfterAccess = TimeSpan.FromSeconds(30),
                CountHitsAndMisses = true,
                Weigher = (_, value) => value.Weight,
            },
            time);
        var removedEvents = 0;
        cache.EntryRemoved += (_, _) => Interlocked.Increment(ref removedEvents);

        var workers = Enumerable.Range(0, Threads).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            for (var i = 0; i < OperationsPerThread; i++)
            {
                var key = random.Next(1_000);
                var roll = random.Next(100);
                if (roll < 55)
                {
                    if (cache.TryGet(key, out var value))
                    {
                        Assert.That(value.Key, Is.EqualTo(key));
                    }
                }
                else if (roll < 75)
                {
                    cache.Set(key, new Stamped(key, random.Next(0, 20)));
                }
                else if (roll < 82)
                {
                    cache.Set(key, new Stamped(key, random.Next(0, 20)), TimeSpan.FromSeconds(random.Next(1, 20)));
                }
                else if (roll < 90)
                {
                    Assert.That(cache.GetOrAdd(key, k => new Stamped(k, 5)).Key, Is.EqualTo(key));
                }
                else if (roll < 95)
                {
                    var value = await cache.GetOrAddAsync(key, (k, _) => ValueTask.FromResult(new Stamped(k, 3)));
                    Assert.That(value.Key, Is.EqualTo(key));
                }
                else if (roll < 99)
                {
                    cache.TryRemove(key);
                }
                else if (i % 500 == 0)
                {
                    cache.RemoveWhere((k, _) => k % 97 == 0);
                    time.Advance(TimeSpan.FromSeconds(1));
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        cache.RunMaintenance();
        cache.AssertConsistent();
        time.Advance(TimeSpan.FromSeconds(31));
        var statistics = cache.GetStatistics();
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 1_000).Count(key => cache.TryGet(key, out _)), Is.Zero, "every entry idled out");
            Assert.That(statistics.Weight, Is.LessThanOrEqualTo(2_000));
            Assert.That(statistics.Hits + statistics.Misses, Is.GreaterThan(0));
        });
    }

    [Test]
    public async Task TryGet_WhileWritersReplaceValues_NeverSeesAnotherKeysValue()
    {
        using var cache = TestCaches.Create<int, Stamped>(256, configure: o => o.MaintenanceMode = CacheMaintenanceMode.Background);
        var readers = Enumerable.Range(0, 4).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 50_000; i++)
            {
                var key = random.Next(512);
                if (i % 4 == 0)
                {
                    cache.Set(key, new Stamped(key, 1));
                }
                else if (cache.TryGet(key, out var value) && value.Key != key)
                {
                    Assert.Fail($"Key {key} returned the value of key {value.Key}.");
                }
            }
        })).ToArray();
        await Task.WhenAll(readers);

        cache.AssertConsistent();
    }

    private sealed record Stamped(int Key, long Weight);
}
