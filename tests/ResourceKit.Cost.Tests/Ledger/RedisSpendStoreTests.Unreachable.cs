using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.Tests.Chat;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>
/// Redis unreachable while spend is committed: the spend is kept in the process, counted once Redis is back, and
/// written once however the first attempt ended.
/// </content>
public sealed partial class RedisSpendStoreTests
{
    [Test]
    public async Task SettleAsync_RedisDownUntilTheHoldLapsed_SpendIsWrittenOnceRedisIsBackAndStillBlocks()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.6m)).Reservation!;

        redis.Failure = RedisFailure.Down;
        var settled = await ledger.SettleAsync(reservation, 0.6m);
        var unsavedWhileDown = store.UnsavedSpend;
        Assert.ThrowsAsync<RedisConnectionException>(async () => await ledger.TryReserveAsync(Spend, 0.1m), "no check runs without the kept spend");
        time.Advance(options.ReservationTimeToLive);
        redis.Failure = RedisFailure.None;
        var afterLapse = await ledger.TryReserveAsync(Spend, 0.5m);

        var status = (await ledger.GetStatusAsync(Spend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(settled, Is.True, "the settle does not fail, so no caller gives up on it");
            Assert.That(unsavedWhileDown, Is.EqualTo(0.6m));
            Assert.That(afterLapse.IsGranted, Is.False, "$0.60 spent + $0.50 passes $1 although the hold lapsed");
            Assert.That(status.Committed, Is.EqualTo(0.6m));
            Assert.That(status.Reserved, Is.Zero);
            Assert.That(store.UnsavedSpend, Is.Zero);
            Assert.That(ledger.LocalReserved, Is.Zero);
        });
    }

    [Test]
    public async Task GetResponseAsync_RedisDownWhenTheCallSettles_SpendIsCommittedOnceRedisIsBack()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 10m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var provider = new FakeChatClient
        {
            Respond = _ =>
            {
                // Redis goes down while the provider answers: the reserve worked; the settle finds Redis down, and the store keeps the spend.
                redis.Failure = RedisFailure.Down;
                return FakeChatClient.WithUsage(input: 1_000, output: 500);
            },
        };
        using var client = new BudgetChatClient(provider, ledger, new PriceCatalog(PriceCatalog.CreateSeedPrices()), options, timeProvider: time);

        await client.GetResponseAsync([new(Microsoft.Extensions.AI.ChatRole.User, "hello")]);
        time.Advance(options.ReservationTimeToLive);
        redis.Failure = RedisFailure.None;

        var status = (await ledger.GetStatusAsync(new SpendAttribution("chat", "gpt-4o", "default")))[0];
        Assert.That(status.Committed, Is.EqualTo((1_000m * 15m + 500m * 60m) / 1_000_000m), "the call's actual cost");
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task SettleAsync_ReplyLostAfterRedisCommitted_IsKeptAndWrittenOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        var reservation = Hold("r1", now);
        await store.TryReserveAsync(reservation, OneDollar, now);

        redis.Failure = RedisFailure.LoseReply;
        Assert.That(Assert.ThrowsAsync<SpendKeptException>(async () => await store.SettleAsync(reservation, 0.4m))!.InnerException, Is.TypeOf<RedisTimeoutException>());
        var unsavedAfterTimeout = store.UnsavedSpend;
        redis.Failure = RedisFailure.None;

        var balance = (await store.GetBalancesAsync("d:x")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(unsavedAfterTimeout, Is.EqualTo(0.4m), "the store cannot know Redis committed it");
            Assert.That(balance.Committed, Is.EqualTo(0.4m), "written by the next operation, charged once");
            Assert.That(balance.Reserved, Is.Zero);
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task SettleAsync_FailedWhileDownThenRetried_CommitsOnceAndIsNoLongerUnsaved()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        var reservation = Hold("r1", now);
        await store.TryReserveAsync(reservation, OneDollar, now);

        redis.Failure = RedisFailure.Down;
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.SettleAsync(reservation, 0.4m));
        Assert.ThrowsAsync<SpendKeptException>(async () => await store.SettleAsync(reservation, 0.4m));
        var unsavedAfterTwoFailures = store.UnsavedSpend;
        redis.Failure = RedisFailure.None;
        var totals = await store.SettleAsync(reservation, 0.4m);

        Assert.Multiple(() =>
        {
            Assert.That(unsavedAfterTwoFailures, Is.EqualTo(0.4m), "the same settle failing twice is kept once");
            Assert.That(totals.Committed[0], Is.EqualTo(0.4m));
            Assert.That(totals.Reserved[0], Is.Zero);
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task RecordAsync_RedisDown_IsWrittenByTheNextSweep()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);

        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.3m);
        var unsavedWhileDown = store.UnsavedSpend;
        redis.Failure = RedisFailure.None;
        await ledger.ExpireReservationsAsync();
        var unsavedAfterSweep = store.UnsavedSpend;

        Assert.Multiple(async () =>
        {
            Assert.That(unsavedWhileDown, Is.EqualTo(0.3m));
            Assert.That(unsavedAfterSweep, Is.Zero, "the sweep wrote it");
            Assert.That((await ledger.GetStatusAsync(Spend))[0].Committed, Is.EqualTo(0.3m));
        });
    }

    [Test]
    public async Task SettleAsync_ServerOutOfMemory_IsKeptAndWrittenOnceItAcceptsWrites()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.5m)).Reservation!;

        redis.Failure = RedisFailure.OutOfMemory;
        var settled = await ledger.SettleAsync(reservation, 0.5m);
        var unsavedWhileFull = store.UnsavedSpend;
        redis.Failure = RedisFailure.None;

        Assert.That(settled, Is.True);
        Assert.That(unsavedWhileFull, Is.EqualTo(0.5m));
        Assert.That((await ledger.GetStatusAsync(Spend))[0].Committed, Is.EqualTo(0.5m));
    }

    [Test]
    public async Task SettleAsync_ErrorThatWouldRecurOnEveryAttempt_ReachesTheCallerAndIsNotKept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.5m)).Reservation!;

        redis.Failure = RedisFailure.ScriptError;
        Assert.ThrowsAsync<RedisServerException>(async () => await ledger.SettleAsync(reservation, 0.5m));
        redis.Failure = RedisFailure.None;

        Assert.That(store.UnsavedSpend, Is.Zero, "kept, it would hold up every later operation");
        Assert.That(reservation.IsCompleted, Is.False, "the reservation stays open for the caller to retry, as before");
        Assert.That((await ledger.TryReserveAsync(Spend, 0.1m)).IsGranted, Is.True);
    }

    [Test]
    public async Task CheckHealthAsync_RedisDownWithSpendKept_SaysHowMuchIsUnsavedAndIsHealthyOnceWritten()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, store, time);
        var check = new CostBudgetHealthCheck(ledger);

        redis.Failure = RedisFailure.Down;
        await ledger.RecordAsync(Spend, 0.3m);
        var whileDown = await check.CheckHealthAsync(new HealthCheckContext());
        redis.Failure = RedisFailure.None;
        var afterRecovery = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Multiple(() =>
        {
            Assert.That(whileDown.Status, Is.EqualTo(HealthStatus.Unhealthy), "the store cannot be read: reserves fail too");
            Assert.That(whileDown.Description, Does.StartWith("The spend store cannot be read. 0.3 USD of spend is counted but not yet saved"));
            Assert.That(whileDown.Data[CostBudgetHealthCheck.UnsavedSpendKey], Is.EqualTo(0.3m));
            Assert.That(afterRecovery.Status, Is.EqualTo(HealthStatus.Healthy), "the report's read wrote the kept spend first");
            Assert.That(afterRecovery.Data, Does.Not.ContainKey(CostBudgetHealthCheck.UnsavedSpendKey));
            Assert.That(afterRecovery.Data["daily"], Is.EqualTo(0.06));
        });
    }
}
