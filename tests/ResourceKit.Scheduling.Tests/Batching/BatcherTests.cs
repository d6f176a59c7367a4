using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;
using ResourceKit.Testing;

namespace ResourceKit.Scheduling.Tests.Batching;

public sealed class BatcherTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);

    private sealed class Recorder
    {
        private readonly ConcurrentQueue<int[]> _batches = new();
        private readonly Channel<bool> _flushed = Channel.CreateUnbounded<bool>();

        public IReadOnlyList<int[]> Batches => [.. _batches];

        public Func<IReadOnlyList<int>, CancellationToken, ValueTask>? Before { get; set; }

        public async ValueTask FlushAsync(IReadOnlyList<int> batch, CancellationToken cancellationToken)
        {
            try
            {
                if (Before is not null)
                {
                    await Before(batch, cancellationToken);
                }

                _batches.Enqueue([.. batch]);
            }
            finally
            {
                _flushed.Writer.TryWrite(true);
            }
        }

        public async Task WaitForFlushesAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await _flushed.Reader.ReadAsync().AsTask().Guarded();
            }
        }
    }

    private static Batcher<int> Create(FakeTimeProvider time, Recorder recorder, int maxBatchSize = 10, int capacity = 1000) =>
        new(new BatcherOptions { MaxBatchSize = maxBatchSize, MaxBatchDelay = Delay, Capacity = capacity }, recorder.FlushAsync, time);

    [Test]
    public async Task Add_BatchReachesSize_FlushesAsOneCallWithoutWaiting()
    {
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        await using var batcher = Create(time, recorder, maxBatchSize: 4);

        for (int i = 0; i < 8; i++)
        {
            await batcher.AddAsync(i);
        }

        await recorder.WaitForFlushesAsync(2);
        Assert.That(recorder.Batches, Is.EqualTo(new[] { new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6, 7 } }));
        Assert.That(batcher.GetStatistics().SizeTriggeredFlushes, Is.EqualTo(2));
    }

    [Test]
    public async Task Add_PartialBatch_FlushesWhenDelayElapses()
    {
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        await using var batcher = Create(time, recorder);

        Assert.That(batcher.TryAdd(1), Is.True);
        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.That(batcher.TryAdd(2), Is.True);
        time.Advance(TimeSpan.FromMilliseconds(39));

        // The delay timer hands the batch off (and counts it) inside Advance, under the batcher's lock; the recorder only
        // sees it later, from the background consumer, so it cannot tell "not yet" from "not yet recorded".
        Assert.That(batcher.GetStatistics().TimeTriggeredFlushes, Is.Zero, "the delay counts from the batch's first item");

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(batcher.GetStatistics().TimeTriggeredFlushes, Is.EqualTo(1), "handed off on the delay's last tick");
        await recorder.WaitForFlushesAsync(1);

        Assert.That(recorder.Batches.Single(), Is.EqualTo(new[] { 1, 2 }));
        await batcher.CompleteAsync().Guarded();
        var stats = batcher.GetStatistics();
        Assert.That((stats.TimeTriggeredFlushes, stats.BatchesFlushed, stats.ItemsAdded), Is.EqualTo((1L, 1L, 2L)));
    }

    [Test]
    public async Task Add_BatchFlushedBySizeThenNewBatch_NewBatchGetsItsOwnDelay()
    {
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        await using var batcher = Create(time, recorder, maxBatchSize: 2);

        batcher.TryAdd(1);
        time.Advance(TimeSpan.FromMilliseconds(50));
        batcher.TryAdd(2);
        batcher.TryAdd(3);
        time.Advance(TimeSpan.FromMilliseconds(60));

        // Past the first batch's delay (100 ms) but not the second's (150 ms). Read under the batcher's lock, not from
        // the recorder, which the background consumer may not have reached yet.
        Assert.That(batcher.GetStatistics().TimeTriggeredFlushes, Is.Zero, "the new batch is not flushed on the old batch's delay");
        await recorder.WaitForFlushesAsync(1);
        Assert.That(recorder.Batches.Single(), Is.EqualTo(new[] { 1, 2 }));

        time.Advance(TimeSpan.FromMilliseconds(39));
        Assert.That(batcher.GetStatistics().TimeTriggeredFlushes, Is.Zero, "the new batch's delay counts from its own first item");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(batcher.GetStatistics().TimeTriggeredFlushes, Is.EqualTo(1));
        await recorder.WaitForFlushesAsync(1);
        Assert.That(recorder.Batches[1], Is.EqualTo(new[] { 3 }));
    }

    [Test]
    public async Task TryAdd_AtCapacity_RefusesAndAddAsyncWaitsForFlush()
    {
        var time = new FakeTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new Recorder { Before = async (_, _) => await release.Task };
        await using var batcher = Create(time, recorder, maxBatchSize: 2, capacity: 2);

        Assert.That(batcher.TryAdd(1) && batcher.TryAdd(2), Is.True);
        Assert.That(batcher.TryAdd(3), Is.False, "back-pressure: two items pending");
        var waiting = batcher.AddAsync(3).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);

        release.SetResult();
        await waiting.Guarded();
        await recorder.WaitForFlushesAsync(1);
        Assert.That(batcher.GetStatistics().PendingItems, Is.EqualTo(1));
    }

    [Test]
    public async Task Flush_Throws_CountsFailureAndKeepsFlushing()
    {
        var time = new FakeTimeProvider();
        int calls = 0;
        var recorder = new Recorder { Before = (_, _) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("down") : ValueTask.CompletedTask };
        await using var batcher = Create(time, recorder, maxBatchSize: 1);

        batcher.TryAdd(1);
        batcher.TryAdd(2);
        await recorder.WaitForFlushesAsync(2);
        await batcher.CompleteAsync().Guarded();

        var stats = batcher.GetStatistics();
        Assert.That((stats.FailedFlushes, stats.BatchesFlushed, stats.PendingItems), Is.EqualTo((1L, 2L, 0)));
        Assert.That(recorder.Batches.Single(), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public async Task Flush_ThrowsAndItsFailureLogThrows_KeepsFlushingAndGivesCapacityBack()
    {
        var time = new FakeTimeProvider();
        int calls = 0;
        var recorder = new Recorder { Before = (_, _) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("down") : ValueTask.CompletedTask };
        var logger = new ThrowingLogger<Batcher<int>>(20); // 20: flush failed
        await using var batcher = new Batcher<int>(new BatcherOptions { MaxBatchSize = 1, MaxBatchDelay = Delay, Capacity = 1 }, recorder.FlushAsync, time, logger);

        await batcher.AddAsync(1).AsTask().Guarded();
        await batcher.AddAsync(2).AsTask().Guarded(); // waits for the failed batch's capacity
        await recorder.WaitForFlushesAsync(2);
        await batcher.CompleteAsync().Guarded();

        var stats = batcher.GetStatistics();
        Assert.Multiple(() =>
        {
            Assert.That(logger.Thrown, Is.EqualTo(1));
            Assert.That((stats.FailedFlushes, stats.BatchesFlushed, stats.PendingItems), Is.EqualTo((1L, 2L, 0)));
            Assert.That(recorder.Batches.Single(), Is.EqualTo(new[] { 2 }));
        });
    }

    [Test]
    public async Task CompleteAsync_PartialBatch_FlushesItAndRefusesNewItems()
    {
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        var batcher = Create(time, recorder);
        batcher.TryAdd(7);

        await batcher.CompleteAsync().Guarded();

        Assert.That(recorder.Batches.Single(), Is.EqualTo(new[] { 7 }));
        Assert.Throws<ObjectDisposedException>(() => batcher.TryAdd(8));
        await batcher.DisposeAsync();
    }

    [Test]
    public async Task CompleteAsync_FlushHangsAndTokenFires_SignalsFlushAndReturns()
    {
        var time = new FakeTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorder = new Recorder { Before = async (_, ct) => { entered.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); } };
        var batcher = Create(time, recorder, maxBatchSize: 1);
        batcher.TryAdd(1);
        await entered.Task.Guarded();
        using var abandon = new CancellationTokenSource();

        var completing = batcher.CompleteAsync(abandon.Token);
        await abandon.CancelAsync();
        await completing.Guarded();

        await batcher.CompleteAsync().Guarded();
        Assert.That(batcher.GetStatistics().FailedFlushes, Is.EqualTo(1), "a second CompleteAsync waits for the signalled flush to end");
    }

    [Test]
    public async Task Add_ManyThreads_EveryItemFlushedExactlyOnce()
    {
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        var batcher = Create(time, recorder, maxBatchSize: 7, capacity: 50);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                await batcher.AddAsync((t * 1000) + i);
            }
        }))).Guarded();
        await batcher.CompleteAsync().Guarded();

        var all = recorder.Batches.SelectMany(b => b).Order().ToArray();
        Assert.That(all, Is.EqualTo(Enumerable.Range(0, 4).SelectMany(t => Enumerable.Range(t * 1000, 500))));
        Assert.That(recorder.Batches.Max(b => b.Length), Is.LessThanOrEqualTo(7));
    }

    [Test]
    public async Task Add_ManyThreads_BatchesFlushedInTheOrderTheyWereFormed()
    {
        // Batches of one: each Add forms a batch under the batcher's lock, where it also reads the clock, so the clock
        // records the order in which batches were formed; the flushes must come in that same order.
        const int Threads = 4;
        const int PerThread = 10_000;
        var time = new FormationOrderClock();
        var recorder = new Recorder();
        var batcher = Create(time, recorder, maxBatchSize: 1, capacity: Threads * PerThread);

        using var start = new Barrier(Threads);
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < PerThread; i++)
            {
                var item = (t * PerThread) + i;
                time.Adding.Value = item;
                Assert.That(batcher.TryAdd(item), Is.True);
            }
        }))).Guarded();
        await batcher.CompleteAsync().Guarded();

        Assert.That(recorder.Batches.Select(b => b.Single()), Is.EqualTo(time.Formed));
    }

    /// <summary>A fake clock that notes, on each timestamp read, the item the reading thread is adding.</summary>
    private sealed class FormationOrderClock : FakeTimeProvider
    {
        private readonly ConcurrentQueue<int> _formed = new();

        public ThreadLocal<int> Adding { get; } = new();

        public IEnumerable<int> Formed => _formed;

        public override long GetTimestamp()
        {
            _formed.Enqueue(Adding.Value);
            return base.GetTimestamp();
        }
    }

    [TestCase(0, 100, 10, "MaxBatchSize")]
    [TestCase(10, 0, 10, "MaxBatchDelay")]
    [TestCase(10, 100, 5, "Capacity")]
    public void Constructor_InvalidOptions_Throws(int size, int delayMs, int capacity, string expected)
    {
        var options = new BatcherOptions { MaxBatchSize = size, MaxBatchDelay = TimeSpan.FromMilliseconds(delayMs), Capacity = capacity };

        var exception = Assert.Throws<ArgumentException>(() => _ = new Batcher<int>(options, (_, _) => ValueTask.CompletedTask, new FakeTimeProvider()));

        Assert.That(exception!.Message, Does.Contain(expected));
    }
}
