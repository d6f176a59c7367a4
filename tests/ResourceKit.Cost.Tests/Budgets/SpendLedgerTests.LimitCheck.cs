using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>The limit check may count more than the reservation holds: a call's full estimate when the hold is capped.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task TryReserveAsync_LimitCheckAmountAboveHold_RefusesWhatMightNotFitButHoldsOnlyTheAmount()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 50m)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 48.5m);

        var refused = await ledger.TryReserveAsync(ChatSpend, 1m, 3m);
        var granted = await ledger.TryReserveAsync(ChatSpend, 1m, 1.5m);

        Assert.That(refused.IsGranted, Is.False, "$48.50 + a call that may cost $3 could pass $50");
        Assert.That(refused.Decision.Denial!.Requested, Is.EqualTo(3m));
        Assert.That(granted.IsGranted, Is.True);
        Assert.That(granted.Reservation!.Amount, Is.EqualTo(1m));
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Reserved, Is.EqualTo(1m), "only the capped amount is held");
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
