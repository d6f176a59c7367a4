using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tests.Budgets;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>
/// A caller that retries a store call after a Redis error: spend the store kept must not be charged again.
/// </content>
public sealed partial class RedisSpendStoreTests
{
    [Test]
    public async Task RecordAsync_RedisDownUnderARetryPolicyForRedisErrors_IsChargedOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, redis) = ConnectFailing();
        LedgerCounter[] counters = [new("d:x", "global", now.AddDays(1))];
        // What a user puts around an ISpendStore: retry Redis errors; Redis is back by the retry.
        var retries = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
            MaxRetryAttempts = 2,
            Delay = TimeSpan.Zero,
            OnRetry = _ =>
            {
                redis.Failure = RedisFailure.None;
                return default;
            },
        }).Build();

        redis.Failure = RedisFailure.Down;
        var kept = Assert.ThrowsAsync<SpendKeptException>(
            async () => await retries.ExecuteAsync(async ct => await store.RecordAsync(counters, 0.3m, ct)));
        redis.Failure = RedisFailure.None;

        var balance = (await store.GetBalancesAsync("d:x")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(kept!.Amount, Is.EqualTo(0.3m));
            Assert.That(kept.UnsavedSpend, Is.EqualTo(0.3m));
            Assert.That(kept.InnerException, Is.TypeOf<RedisConnectionException>());
            Assert.That(balance.Committed, Is.EqualTo(0.3m), "kept once, written once, not recorded again by a retry");
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }

    [Test]
    public async Task SettleAndRecord_RedisDownThroughAStoreThatWrapsIt_LedgerCountsTheSpendOnceWithoutThrowing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        var (store, redis) = ConnectFailing();
        using var ledger = new SpendLedger(options, new AsyncOnlySpendStore(store), time);
        var reservation = (await ledger.TryReserveAsync(Spend, 0.5m)).Reservation!;

        redis.Failure = RedisFailure.Down;
        var settled = await ledger.SettleAsync(reservation, 0.4m);
        await ledger.RecordAsync(Spend, 0.3m);
        redis.Failure = RedisFailure.None;

        var status = (await ledger.GetStatusAsync(Spend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(settled, Is.True, "kept is settled: the caller has nothing to retry");
            Assert.That(reservation.IsCompleted, Is.True);
            Assert.That(status.Committed, Is.EqualTo(0.7m));
            Assert.That(status.Reserved, Is.Zero);
            Assert.That(store.UnsavedSpend, Is.Zero);
        });
    }
}
