using ResourceKit.Cost.Ledger;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>
/// The write of the kept spend is shared: operations arriving while it runs take its outcome instead of each trying
/// again in turn, a caller's token ends only its own wait, and spend kept after the write began gets a write of its own.
/// </content>
public sealed partial class RedisSpendStoreTests
{
    [Test]
    public async Task Operations_ArrivingWhileTheWriteWaitsOutAnOutage_ShareOneAttemptAndItsFailure()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        LedgerCounter[] counters = [new("d:x", "global", now.AddDays(1))];
        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(counters, 0.1m));

        // The outage as the package-owned connection meets it: a script waits out its timeout, then fails.
        var timeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = timeout.Task;
        var before = redis.ScriptCalls;
        var reservation = new LedgerReservation("r1", 0.2m, now.AddMinutes(5), counters);
        Task[] operations =
        [
            store.GetBalancesAsync("d:x").AsTask(),
            store.TryReserveAsync(reservation, OneDollar, now).AsTask(),
            store.ExpireAsync(now).AsTask(),
            store.ReleaseAsync(reservation).AsTask(),
        ];
        var sentWhileWaiting = redis.ScriptCalls - before;
        timeout.SetResult();

        foreach (var operation in operations)
        {
            Assert.ThrowsAsync<RedisConnectionException>(async () => await operation);
        }

        Assert.Multiple(() =>
        {
            Assert.That(sentWhileWaiting, Is.EqualTo(1), "the first operation sends the kept entry; the others wait for it");
            Assert.That(redis.ScriptCalls - before, Is.EqualTo(1), "one attempt for all four, not four timeouts one after another");
            Assert.That(store.UnsavedSpend, Is.EqualTo(0.1m), "still kept for the next operation");
        });
    }

    [Test]
    public async Task Operations_CancelledWhileTheWriteIsUnderWay_StopWaitingWithoutEndingItForTheOthers()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        LedgerCounter[] counters = [new("d:x", "global", now.AddDays(1))];
        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(counters, 0.1m));

        redis.Failure = RedisFailure.None;
        var replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = replies.Task;
        var before = redis.ScriptCalls;
        using var starterCancel = new CancellationTokenSource();
        using var waiterCancel = new CancellationTokenSource();
        var starter = store.GetBalancesAsync("d:x", starterCancel.Token).AsTask();
        var waiter = store.GetBalancesAsync("d:x", waiterCancel.Token).AsTask();
        var patient = store.GetBalancesAsync("d:x").AsTask();
        bool cancelledWhileHeld;
        bool patientStillWaiting;
        try
        {
            await starterCancel.CancelAsync();
            await waiterCancel.CancelAsync();

            // Bounded only so that a wait which ignores its token fails the test instead of hanging it.
            var cancelled = Task.WhenAll(starter, waiter).ContinueWith(_ => { }, TaskScheduler.Default);
            cancelledWhileHeld = await Task.WhenAny(cancelled, Task.Delay(TimeSpan.FromSeconds(10))) == cancelled;
            patientStillWaiting = !patient.IsCompleted;
        }
        finally
        {
            replies.SetResult();
        }

        var balances = await patient;
        Assert.Multiple(() =>
        {
            Assert.That(cancelledWhileHeld, Is.True, "both stop waiting while the write's replies are still held");
            Assert.That(starter.IsCanceled, Is.True);
            Assert.That(waiter.IsCanceled, Is.True);
            Assert.That(patientStillWaiting, Is.True, "the write the cancelled operation began is still under way");
            Assert.That(balances.Single().Committed, Is.EqualTo(0.1m), "and it finished for the one still waiting");
            Assert.That(redis.ScriptCalls - before, Is.EqualTo(1));
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task GetBalancesAsync_SpendKeptAfterTheWriteItWaitsForBegan_IsWrittenByANextWriteBeforeTheRead()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        LedgerCounter[] counters = [new("d:x", "global", now.AddDays(1))];

        // A record already sent when Redis goes down: it fails, and is kept, only after the write of 0.1 began.
        var lateReply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = lateReply.Task;
        var late = store.RecordAsync(counters, 0.2m).AsTask();
        redis.ScriptGate = null;
        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(counters, 0.1m));

        redis.Failure = RedisFailure.None;
        var replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = replies.Task;
        var before = redis.ScriptCalls;
        var first = store.GetBalancesAsync("d:x").AsTask();
        redis.Failure = RedisFailure.Down;
        lateReply.SetResult();
        Assert.ThrowsAsync<SpendKeptException>(async () => await late);

        // Arrives while the write of 0.1 is still under way, with 0.2 kept after it began.
        var second = store.GetBalancesAsync("d:x").AsTask();
        redis.ScriptGate = null;
        redis.Failure = RedisFailure.None;
        replies.SetResult();
        var balances = await second;
        await first;

        Assert.Multiple(() =>
        {
            Assert.That(balances.Single().Committed, Is.EqualTo(0.3m), "the 0.2 kept after the first write began is written before this read");
            Assert.That(redis.ScriptCalls - before, Is.EqualTo(2), "each kept entry sent once");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }
}
