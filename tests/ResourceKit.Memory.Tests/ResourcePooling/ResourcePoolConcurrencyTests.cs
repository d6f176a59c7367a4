using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Memory.Tests.Support;

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
                AtomicMax.Update(ref peak, now);
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

    [Test]
    public async Task AcquireAsync_WaitersGiveUpBehindLongWaitingHead_LeaveTheQueueAtOnce()
    {
        var time = new FakeTimeProvider();
        await using var pool = new ResourcePool<object>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 1 },
            _ => ValueTask.FromResult(new object()),
            timeProvider: time);
        var holder = await pool.AcquireAsync();
        var head = pool.AcquireAsync(Timeout.InfiniteTimeSpan).AsTask();
        using var cts = new CancellationTokenSource();
        var givingUp = Enumerable.Range(0, 200)
            .Select(i => i % 2 == 0 ? pool.AcquireAsync(TimeSpan.FromSeconds(1)).AsTask() : pool.AcquireAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask())
            .ToList();

        time.Advance(TimeSpan.FromSeconds(1));
        await cts.CancelAsync();
        await Task.WhenAll(givingUp.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        var queued = pool.QueuedWaiters;
        holder.Dispose();
        (await head).Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(queued, Is.EqualTo(1), "only the live head is left");
            Assert.That(givingUp.Count(t => t.IsFaulted), Is.EqualTo(100));
            Assert.That(givingUp.Count(t => t.IsCanceled), Is.EqualTo(100));
            Assert.That(pool.QueuedWaiters, Is.Zero);
        });
    }

    [Test]
    public async Task AcquireAsync_ThreadsWithShortTimeouts_QueueDrainsAndCountsBalance()
    {
        await using var pool = new ResourcePool<object>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 2 },
            _ => ValueTask.FromResult(new object()));
        var timeouts = 0;

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    await using var lease = await pool.AcquireAsync(TimeSpan.Zero);
                    await Task.Yield();
                }
                catch (ResourcePoolTimeoutException)
                {
                    Interlocked.Increment(ref timeouts);
                }
            }
        }));
        await Task.WhenAll(workers);

        var stats = pool.Statistics;
        Assert.Multiple(() =>
        {
            Assert.That(pool.QueuedWaiters, Is.Zero);
            Assert.That(stats.Acquired + timeouts, Is.EqualTo(8 * 200));
            Assert.That(stats.Released, Is.EqualTo(stats.Acquired));
            Assert.That(stats.Total, Is.LessThanOrEqualTo(2));
        });
    }

    [Test]
    public async Task LeaseDispose_EightThreadsReturnBrokenResourcesWhoseClosesHangOrThrow_SlotsBalanceAndDisposeAsyncEnds()
    {
        var time = new FakeTimeProvider();
        var created = 0;
        var hung = 0;
        var pool = new ResourcePool<int>(
            new ResourcePoolOptions { MinSize = 0, MaxSize = 4, AcquireTimeout = Timeout.InfiniteTimeSpan, DestroyTimeout = TimeSpan.FromSeconds(5) },
            _ => ValueTask.FromResult(Interlocked.Increment(ref created)),
            destroy: id =>
            {
                switch (id % 3)
                {
                    case 0:
                        Interlocked.Increment(ref hung);
                        return new ValueTask(new TaskCompletionSource().Task); // never ends
                    case 1:
                        throw new InvalidOperationException("close threw");
                    default:
                        return ValueTask.CompletedTask;
                }
            },
            timeProvider: time);

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var lease = await pool.AcquireAsync();
                lease.MarkBroken();
                lease.Dispose(); // closed in the background, so a hung close holds nobody
            }
        }));
        await Task.WhenAll(workers);
        var disposing = pool.DisposeAsync().AsTask();
        time.Advance(TimeSpan.FromSeconds(5));
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));

        var stats = pool.Statistics;
        Assert.Multiple(() =>
        {
            Assert.That(stats.Created, Is.EqualTo(800));
            Assert.That(stats.Destroyed, Is.EqualTo(800), "every close ended, threw or was abandoned");
            Assert.That(stats.DestroyTimeouts, Is.EqualTo(800 / 3));
            Assert.That(hung, Is.EqualTo(800 / 3));
            Assert.That(stats.Total, Is.Zero);
            Assert.That(stats.Released, Is.EqualTo(stats.Acquired));
        });
    }
}
