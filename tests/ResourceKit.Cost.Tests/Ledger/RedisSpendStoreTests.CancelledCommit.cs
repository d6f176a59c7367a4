using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>
/// A settle or record whose caller stops waiting for the write of the kept spend was never sent: it is kept like spend
/// Redis could not take, so the cancellation does not lose it.
/// </content>
public sealed partial class RedisSpendStoreTests
{
    [Test]
    public async Task LedgerSettleAsync_CancelledWhileWaitingForTheKeptSpendWrite_IsKeptAndCommittedOnceRedisIsBack()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 10m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.6m)).Reservation!;
        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.1m);

        // The write of the kept 0.1 waits out its timeout; the client disconnects meanwhile.
        var timeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = timeout.Task;
        using var requestAborted = new CancellationTokenSource();
        var settle = ledger.SettleAsync(reservation, 0.5m, requestAborted.Token).AsTask();
        var waitedForTheWrite = !settle.IsCompleted;
        await requestAborted.CancelAsync();
        Exception? failure = null;
        var settled = false;
        try
        {
            settled = await settle;
        }
        catch (OperationCanceledException exception)
        {
            failure = exception;
        }

        var unsavedAfterCancel = store.UnsavedSpend;
        redis.Failure = RedisFailure.None;
        redis.ScriptGate = null;
        timeout.SetResult();
        var status = (await ledger.GetStatusAsync(Spend))[0];
        var again = (await ledger.GetStatusAsync(Spend))[0];

        Assert.Multiple(() =>
        {
            Assert.That(waitedForTheWrite, Is.True);
            Assert.That(failure, Is.Null, "a cancelled settle handed back would be given up and lost once its hold lapsed");
            Assert.That(settled, Is.True);
            Assert.That(unsavedAfterCancel, Is.EqualTo(0.6m), "kept with the 0.1 for a later write");
            Assert.That(status.Committed, Is.EqualTo(0.6m), "0.1 + 0.5, each once");
            Assert.That(again.Committed, Is.EqualTo(0.6m));
            Assert.That(status.Reserved, Is.Zero, "the hold is released by the kept settle");
            Assert.That(ledger.LocalReserved, Is.Zero, "the reservation is not reopened");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
        Assert.That(await ledger.ReleaseAsync(reservation), Is.False, "the reservation is settled, not left open");
    }

    [Test]
    public async Task SettleAsync_CancelledWhileWaitingForTheKeptSpendWrite_ThrowsSpendKeptAndARetryIsChargedOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var logger = new FakeLogger<RedisSpendStore>();
        var (store, redis) = ConnectFailing(logger);
        var reservation = Hold("r1", now);
        await store.TryReserveAsync(reservation, OneDollar, now);
        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(reservation.Counters, 0.1m));

        var timeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = timeout.Task;
        using var cancel = new CancellationTokenSource();
        var settle = store.SettleAsync(reservation, 0.4m, cancel.Token).AsTask();
        await cancel.CancelAsync();
        var kept = Assert.ThrowsAsync<SpendKeptException>(async () => await settle);
        var logs = logger.Collector.GetSnapshot();

        redis.Failure = RedisFailure.None;
        redis.ScriptGate = null;
        timeout.SetResult();
        await store.SettleAsync(reservation, 0.4m);
        var balance = (await store.GetBalancesAsync("d:x")).Single();

        Assert.Multiple(() =>
        {
            Assert.That(kept!.InnerException, Is.InstanceOf<OperationCanceledException>());
            Assert.That(kept.Amount, Is.EqualTo(0.4m));
            Assert.That(kept.Message, Does.Contain("cancelled").And.Not.Contain("could not save"), "Redis may be healthy");
            Assert.That(logs.Where(r => r.Id.Id == 18).Select(r => r.Message), Has.None.Contain("(r1)"), "not logged as a Redis outage");
            Assert.That(logs.Count(r => r.Id.Id == 18), Is.EqualTo(1), "only the record Redis could not take");
            var cancelledKeep = logs.Single(r => r.Id.Id == 22);
            Assert.That(cancelledKeep.Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(cancelledKeep.Message, Does.Contain("0.4").And.Contain("(r1)").And.Contain("cancelled"));
            Assert.That(cancelledKeep.Exception, Is.Null);
            Assert.That(balance.Committed, Is.EqualTo(0.5m), "the kept settle and its retry are one settle");
            Assert.That(balance.Reserved, Is.Zero);
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task SettleAsync_CancelledWhileWaitingWithMaxUnsavedEntriesKept_ThrowsTheCancellationAndSendsNothing()
    {
        var now = DateTimeOffset.UtcNow;
        var (database, redis) = FailingRedisDatabase.Wrap(ConnectDatabase());
        var logger = new FakeLogger<RedisSpendStore>();
        var store = new RedisSpendStore(database, _prefix, logger) { MaxUnsavedEntries = 1 };
        var reservation = Hold("r1", now);
        await store.TryReserveAsync(reservation, OneDollar, now);
        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(reservation.Counters, 0.1m));

        var timeout = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = timeout.Task;
        using var cancel = new CancellationTokenSource();
        var settle = store.SettleAsync(reservation, 0.4m, cancel.Token).AsTask();
        await cancel.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(async () => await settle);
        var unsavedAfterCancel = store.UnsavedSpend;
        var logs = logger.Collector.GetSnapshot();

        redis.Failure = RedisFailure.None;
        redis.ScriptGate = null;
        timeout.SetResult();
        var balance = (await store.GetBalancesAsync("d:x")).Single();

        Assert.Multiple(() =>
        {
            Assert.That(logs.Any(r => r.Id.Id == 20), Is.False, "not logged as a Redis outage");
            var notKept = logs.Single(r => r.Id.Id == 23);
            Assert.That(notKept.Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(notKept.Message, Does.Contain("0.4").And.Contain("(r1)").And.Contain("nothing was sent"));
            Assert.That(unsavedAfterCancel, Is.EqualTo(0.1m), "not kept past the bound");
            Assert.That(balance.Committed, Is.EqualTo(0.1m), "the settle was not sent");
            Assert.That(balance.Reserved, Is.EqualTo(0.5m), "its hold stays for a retry");
        });
    }
}
