using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Memory.Tests.ResourcePooling;

public sealed class ResourcePoolConcurrencyTests
{
    [Test]
    public async Task AcquireAsync_SixteenThreads_MaxNeverExceeded()
    {
        const int max = 4;
        var created = 0;
        var inUse = 0;
        var peak = 0;
        await using var pool = new ResourcePool<object>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = max, AcquireTimeout = Timeout.InfiniteTimeSpan },
            _ =>
            {
                Interlocked.Increment(ref created);
                return ValueTask.FromResult(new object());
            });

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                await using var lease = await pool.AcquireAsync();
                var now = Interlocked.Increment(ref inUse);
                InterlockedMax(ref peak, now);
                if (i % 7 == 0)
                {
                    await Task.Yield();
                }

                Interlocked.Decrement(ref inUse);
            }
        }));
        await Task.WhenAll(workers);

        var stats = pool.Statistics;
        Assert.Multiple(() =>
        {
            Assert.That(peak, Is.LessThanOrEqualTo(max));
            Assert.That(created, Is.LessThanOrEqualTo(max));
            Assert.That(stats.Acquired, Is.EqualTo(16 * 500));
            Assert.That(stats.Released, Is.EqualTo(16 * 500));
            Assert.That(stats.InUse, Is.Zero);
        });
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
