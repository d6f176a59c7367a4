using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Memory.Tests.Support;

namespace ResourceKit.Memory.Tests.ResourcePooling;

/// <summary>Bounded random workloads that mix every path (broken leases, validation failures, timeouts, cancellation, trims) and then check the pool's books balance.</summary>
public sealed class ResourcePoolSoakTests
{
    [Test]
    public async Task MixedWorkload_SixteenWorkers_BooksBalanceAndMaxHolds()
    {
        const int max = 3;
        var open = 0;
        var peakOpen = 0;
        var timeouts = 0;

        // The fake clock never moves, so no pruning pass, lifetime or timeout depends on the machine's timing; a lost
        // wake-up would hang instead of timing out, so the wait for the workers is bounded below.
        var options = new ResourcePoolOptions { MinSize = 1, MaxSize = max, ValidateOnAcquire = true, AcquireTimeout = Timeout.InfiniteTimeSpan };
        var pool = new ResourcePool<Resource>(
            options,
            async ct =>
            {
                await Task.Yield();

                // The open count itself: a resource being closed keeps its place until its close has ended.
                AtomicMax.Update(ref peakOpen, Interlocked.Increment(ref open));
                return new Resource();
            },
            validate: (r, _) => ValueTask.FromResult(++r.Uses % 11 != 0),
            destroy: (_, _) =>
            {
                Interlocked.Decrement(ref open);
                return ValueTask.CompletedTask;
            },
            timeProvider: new FakeTimeProvider());

        var workers = Enumerable.Range(0, 16).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 300; i++)
            {
                using var cts = new CancellationTokenSource();
                if (random.Next(10) == 0)
                {
                    cts.Cancel();
                }

                try
                {
                    // Some callers will not wait at all: a zero timeout times out whenever the pool is busy.
                    var lease = await (random.Next(5) == 0 ? pool.AcquireAsync(TimeSpan.Zero, cts.Token) : pool.AcquireAsync(cts.Token));
                    if (random.Next(7) == 0)
                    {
                        lease.MarkBroken();
                    }

                    if (random.Next(3) == 0)
                    {
                        await Task.Yield();
                    }

                    await lease.DisposeAsync();
                }
                catch (OperationCanceledException)
                {
                }
                catch (ResourcePoolTimeoutException)
                {
                    Interlocked.Increment(ref timeouts);
                }

                if (random.Next(50) == 0)
                {
                    pool.Trim(0.5);
                }
            }
        }));
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        var stats = pool.Statistics;
        Assert.Multiple(() =>
        {
            Assert.That(peakOpen, Is.LessThanOrEqualTo(max));
            Assert.That(stats.InUse, Is.Zero);
            Assert.That(stats.Waiting, Is.Zero);
            Assert.That(stats.Total, Is.EqualTo(stats.Idle));
            Assert.That(stats.Closing, Is.Zero);
            Assert.That(stats.Acquired, Is.EqualTo(stats.Released));
            Assert.That(stats.Created - stats.Destroyed, Is.EqualTo(stats.Total));
            Assert.That(timeouts, Is.GreaterThan(0), "sixteen workers on three resources: zero-timeout callers find it busy");
            Assert.That(stats.Timeouts, Is.EqualTo(timeouts));
        });

        await pool.DisposeAsync();
        Assert.That(open, Is.Zero, "every resource opened was closed");
    }

    private sealed class Resource
    {
        public int Uses { get; set; }
    }
}
