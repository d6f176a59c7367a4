using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>
/// Writing the spend kept while Redis was down: once, by one writer, however many operations arrive; and a bounded
/// number of entries kept, past which the caller is told.
/// </content>
public sealed partial class RedisSpendStoreTests
{
    [Test]
    public async Task GetBalancesAsync_ConcurrentOperationsWhenRedisIsBack_SendEachKeptEntryOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        LedgerCounter[] counters = [new("d:x", "global", now.AddDays(1))];
        redis.Failure = RedisFailure.Down;
        for (var i = 0; i < 5; i++)
        {
            Assert.ThrowsAsync<SpendKeptException>(async () => await store.RecordAsync(counters, 0.1m));
        }

        redis.Failure = RedisFailure.None;
        var replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = replies.Task;
        var before = redis.ScriptCalls;

        // Four operations arrive while the first writer's scripts are still unanswered.
        var reads = Enumerable.Range(0, 4).Select(_ => store.GetBalancesAsync("d:x").AsTask()).ToArray();
        var sentWhileHeld = redis.ScriptCalls - before;
        replies.SetResult();
        var balances = await Task.WhenAll(reads);

        Assert.Multiple(() =>
        {
            Assert.That(sentWhileHeld, Is.EqualTo(5), "the first writer sends all five at once; the others wait for it");
            Assert.That(redis.ScriptCalls - before, Is.EqualTo(5), "each kept entry is sent once, not once per operation");
            Assert.That(balances.Select(b => b.Single().Committed), Is.All.EqualTo(0.5m), "every operation ran after the writing");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task RecordAndSettle_RedisDownWithMaxUnsavedEntriesKept_ReachTheCallerAndAreNotLost()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (database, redis) = FailingRedisDatabase.Wrap(ConnectDatabase());
        var store = new RedisSpendStore(database, _prefix) { MaxUnsavedEntries = 2 };
        using var ledger = new SpendLedger(options, store, time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.5m)).Reservation!;

        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.1m);
        await ledger.RecordAsync(Spend, 0.2m);
        Assert.ThrowsAsync<RedisConnectionException>(async () => await ledger.RecordAsync(Spend, 0.3m), "not kept, so the caller is told");
        Assert.ThrowsAsync<RedisConnectionException>(async () => await ledger.SettleAsync(reservation, 0.4m));
        var unsavedAtTheCap = store.UnsavedSpend;
        var openAfterFailedSettle = !reservation.IsCompleted;
        redis.Failure = RedisFailure.None;
        var settled = await ledger.SettleAsync(reservation, 0.4m);

        var status = (await ledger.GetStatusAsync(Spend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(unsavedAtTheCap, Is.EqualTo(0.3m), "the first two records");
            Assert.That(openAfterFailedSettle, Is.True, "the settle can be retried");
            Assert.That(settled, Is.True);
            Assert.That(status.Committed, Is.EqualTo(0.7m), "0.1 + 0.2 kept and written, the retried settle of 0.4");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RedisSpendStore(database, _prefix) { MaxUnsavedEntries = 0 });
    }

    [Test]
    public void SpendLedger_SweepRarerThanAQuarterOfTheSettleMarkersLife_IsRejected()
    {
        var store = new RedisSpendStore(FailingRedisDatabase.Unreachable(), _prefix);
        var rare = new CostOptions { ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval + TimeSpan.FromMilliseconds(1) };

        // A kept settle whose reply was lost must be written while its marker lives, and on a quiet host only the
        // sweep writes it.
        Assert.That(
            () => new SpendLedger(rare, store),
            Throws.ArgumentException.With.Message.Contains("ExpirySweepInterval must be at most 00:15:00 with the Redis store"));
        Assert.That(RedisSpendStore.MaxExpirySweepInterval, Is.LessThanOrEqualTo(RedisSpendStore.SettleMarkerLifetime / 4));
        using var atTheMaximum = new SpendLedger(new CostOptions { ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval }, store);
        using var otherStore = new SpendLedger(rare, new MemorySpendStore());
    }

    [Test]
    public async Task RecordAsync_ReplyLostWithMaxUnsavedEntriesKept_SaysTheOutcomeIsUnknownNotThatItIsNotCounted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (database, redis) = FailingRedisDatabase.Wrap(ConnectDatabase());
        var store = new RedisSpendStore(database, _prefix) { MaxUnsavedEntries = 1 };
        using var ledger = new SpendLedger(options, store, time);

        // A record is sent; while its reply is awaited Redis goes down and another record takes the one place kept.
        var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        redis.ScriptGate = reply.Task;
        var sent = ledger.RecordAsync(Spend, 0.2m).AsTask();
        redis.ScriptGate = null;
        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.1m);
        redis.Failure = RedisFailure.LoseReply;
        reply.SetResult();
        var unknown = Assert.ThrowsAsync<SpendOutcomeUnknownException>(async () => await sent);

        // The same limit, but the record is never sent (the kept spend before it fails to write): not counted, so the
        // Redis error itself.
        redis.Failure = RedisFailure.None;
        var afterUnknown = (await ledger.GetStatusAsync(Spend))[0].Committed;
        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.05m);
        redis.Failure = RedisFailure.LoseReply;
        Assert.ThrowsAsync<RedisTimeoutException>(async () => await ledger.RecordAsync(Spend, 0.3m));
        redis.Failure = RedisFailure.None;

        var status = (await ledger.GetStatusAsync(Spend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(unknown!.Amount, Is.EqualTo(0.2m));
            Assert.That(unknown.InnerException, Is.TypeOf<RedisTimeoutException>());
            Assert.That(unknown.Message, Does.Contain("Do not retry"));
            Assert.That(afterUnknown, Is.EqualTo(0.3m), "the record ran before its reply was lost: it was counted, and a retry would make 0.5");
            Assert.That(status.Committed, Is.EqualTo(0.35m), "0.05 kept and written once; the 0.3 never sent is not counted");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }
}
