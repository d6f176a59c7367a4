using ResourceKit.Cost.Budgets;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>The limit check may count more than the caller asked to hold: a call's full estimate, which is then held.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task TryReserveAsync_LimitCheckAmountAboveAmount_RefusesWhatMightNotFitAndHoldsTheCheckedAmount()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 50m)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 48.5m);

        var refused = await ledger.TryReserveAsync(ChatSpend, 1m, 3m);
        var granted = await ledger.TryReserveAsync(ChatSpend, 1m, 1.5m);

        Assert.That(refused.IsGranted, Is.False, "$48.50 + a call that may cost $3 could pass $50");
        Assert.That(refused.Decision.Denial!.Requested, Is.EqualTo(3m));
        Assert.That(granted.IsGranted, Is.True);
        Assert.That(granted.Reservation!.Amount, Is.EqualTo(1.5m));
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Reserved, Is.EqualTo(1.5m), "the hold is what was checked");
        Assert.That(ledger.LocalReserved, Is.EqualTo(1.5m));
    }

    [Test]
    public async Task TryReserveAsync_ParallelCallsWithCappedHolds_CannotTogetherPassABlockLimit()
    {
        // $5 left; each call may cost $3 although its caller asked to hold only $1. Checking each full estimate
        // against the others' $1 holds granted all three, and settling them at $3 each committed $9.
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 5m)));
        using var _ = ledger;

        var results = new List<BudgetReservationResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await ledger.TryReserveAsync(ChatSpend, 1m, 3m));
        }

        foreach (var result in results.Where(r => r.IsGranted))
        {
            await ledger.SettleAsync(result.Reservation!, 3m);
        }

        Assert.That(results.Select(r => r.IsGranted), Is.EqualTo(new[] { true, false, false }));
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.LessThanOrEqualTo(5m));
    }

    [Test]
    public async Task TryReserveAsync_LimitCheckAmountBelowAmount_ChecksTheAmount()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 50m)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 49.5m);

        Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m, 0.1m)).IsGranted, Is.False);
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await ledger.TryReserveAsync(ChatSpend, 1m, -1m));
    }
}
