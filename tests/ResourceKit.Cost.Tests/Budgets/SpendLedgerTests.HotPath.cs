using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>The reserve/settle hot path: the synchronous store fast path, the general path, ids and the gates.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task TryReserveAsync_NegativeAmount_FailsThroughTheReturnedTask()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m)));
        using var _ = ledger;

        var pending = ledger.TryReserveAsync(ChatSpend, -1m);

        Assert.That(pending.IsFaulted, Is.True, "the fast path reports errors through the task, as the async path does");
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await pending);
    }

    [Test]
    public async Task SettleAsync_FileStoreDisposed_FailsThroughTheReturnedTask()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new FileSpendStore(Path.Combine(directory, "ledger.json"));
            using var ledger = new SpendLedger(Options(Rule("daily", 10m)), store, new FakeTimeProvider(Start));
            var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;
            store.Dispose();

            var pending = ledger.SettleAsync(held, 0.5m);

            Assert.That(pending.IsFaulted, Is.True);
            Assert.ThrowsAsync<ObjectDisposedException>(async () => await pending);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task SettleAsync_FileStore_JournalsTheSpendAndClearsTheHold()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "ledger.json");
        try
        {
            using (var store = new FileSpendStore(path))
            using (var ledger = new SpendLedger(Options(Rule("daily", 10m)), store, new FakeTimeProvider(Start)))
            {
                for (var i = 0; i < 3; i++)
                {
                    var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;
                    Assert.That(await ledger.SettleAsync(held, 0.5m), Is.True);
                }
            }

            using var reopened = new FileSpendStore(path);
            var balances = await reopened.GetBalancesAsync("d:2026-11-23");
            Assert.Multiple(() =>
            {
                Assert.That(balances.Single(b => b.Scope == "global").Committed, Is.EqualTo(1.5m));
                Assert.That(balances.Single(b => b.Scope == "agent:planner").Committed, Is.EqualTo(1.5m));
                Assert.That(balances.Sum(b => b.Reserved), Is.Zero);
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task TryReserveAsync_AsynchronousStore_DecidesAndReportsLikeTheFastPath()
    {
        var outcomes = new List<string>();
        foreach (var asynchronous in new[] { false, true })
        {
            var time = new FakeTimeProvider(Start);
            ISpendStore store = asynchronous ? new AsyncOnlySpendStore(new MemorySpendStore()) : new MemorySpendStore();
            using var ledger = new SpendLedger(Options(Rule("daily", 2m)), store, time);
            var thresholds = new List<double>();
            ledger.ThresholdReached += (_, e) => thresholds.Add(e.Threshold);

            var first = await ledger.TryReserveAsync(ChatSpend, 1.5m);
            var refused = await ledger.TryReserveAsync(ChatSpend, 1m);
            await ledger.SettleAsync(first.Reservation!, 1.7m);
            var status = (await ledger.GetStatusAsync(ChatSpend))[0];
            outcomes.Add($"{first.IsGranted} {refused.Decision.Denial} {string.Join(",", thresholds)} {status.Committed} {status.Reserved} {ledger.LocalReserved}");
        }

        Assert.That(outcomes[1], Is.EqualTo(outcomes[0]));
        Assert.That(outcomes[0], Does.Contain("reserved $1.5 of a $2 limit").And.Contain("0.8"));
    }

    [Test]
    public async Task TryReserveAsync_ManyConcurrentCallers_GetDistinctGuidLikeIds()
    {
        var (ledger, _, store) = Create(Start, Options(Rule("daily", 1_000m)));
        using var _ = ledger;
        var ids = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                ids.Add((await ledger.TryReserveAsync(ChatSpend, 0.01m)).Reservation!.Id);
            }
        })));

        Assert.Multiple(() =>
        {
            Assert.That(ids.Distinct().Count(), Is.EqualTo(1600));
            Assert.That(ids, Has.All.Match("^[0-9a-f]{32}$"));
            Assert.That(store.OpenReservations, Is.EqualTo(1600));
        });
    }

    [Test]
    public async Task RecordAsync_SpendExactlyOnAThirdThreshold_RaisesIt()
    {
        // One third is not exact in decimal or double: the double gate must not skip the exact check.
        var rule = Rule("daily", 3m, action: BudgetAction.Warn);
        rule.SoftThresholds = [1.0 / 3];
        var (ledger, _, _) = Create(Start, Options(rule));
        using var _ = ledger;
        var raised = new List<decimal>();
        ledger.ThresholdReached += (_, e) => raised.Add(e.Committed);

        await ledger.RecordAsync(ChatSpend, 0.9999999999m);
        Assert.That(raised, Is.Empty);

        await ledger.RecordAsync(ChatSpend, 0.0000000001m);
        Assert.That(raised, Is.EqualTo(new[] { 1m }));
    }

    [Test]
    public async Task RecordAsync_SpendJustUnderAndThenAtTheLimit_RaisesLimitOnlyAtTheLimit()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 0.3m, action: BudgetAction.Warn)));
        using var _ = ledger;
        var limits = 0;
        ledger.LimitReached += (_, _) => limits++;

        await ledger.RecordAsync(ChatSpend, 0.2999999999999999999999999999m);
        Assert.That(limits, Is.Zero);

        await ledger.RecordAsync(ChatSpend, 0.0000000000000000000000000001m);
        Assert.That(limits, Is.EqualTo(1));
    }

    [Test]
    public async Task TryReserveAsync_ThrottleGatePrunedThenReachedAgain_ThrottlesAgain()
    {
        var (ledger, time, _) = Create(Start, Options(Rule("hourly", 1m, BudgetWindow.Hourly, BudgetAction.Throttle)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.1m)).Decision.Status, Is.EqualTo(BudgetStatus.Throttled));

        time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero));
        await ledger.ExpireReservationsAsync();
        await ledger.RecordAsync(ChatSpend, 1m);

        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.1m)).Decision.Status, Is.EqualTo(BudgetStatus.Throttled));
    }

    [Test]
    public async Task TryReserveAsync_AlternatingAttributions_EachUsesItsOwnCounters()
    {
        var rule = Rule("per_agent", 1m);
        rule.Scope = BudgetScope.Agent;
        var (ledger, _, _) = Create(Start, Options(rule));
        using var _ = ledger;

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "a" }, 0.3m)).IsGranted, Is.True);
            Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "b" }, 0.3m)).IsGranted, Is.True);
        }

        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "a" }, 0.2m)).IsGranted, Is.False);
        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "B " }, 0.1m)).IsGranted, Is.True, "normalized to b, which has 0.1 left");
        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "b" }, 0.01m)).IsGranted, Is.False);
    }
}
