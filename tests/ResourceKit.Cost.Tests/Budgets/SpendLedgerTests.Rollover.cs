using ResourceKit.Cost.Budgets;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>Events of a period are raised once, also when a reservation taken in it settles after it ended.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task SettleAsync_AfterMonthEndedAndSweepRan_DoesNotRaiseTheOldMonthsEventsAgain()
    {
        var (ledger, time, _) = Create(new DateTimeOffset(2026, 11, 30, 23, 59, 30, TimeSpan.Zero), Options(Rule("monthly", 2m, BudgetWindow.Monthly, BudgetAction.Shutdown)));
        using var _ = ledger;
        var shutdowns = new List<string>();
        var thresholds = 0;
        ledger.ShutdownRequested += (_, e) => shutdowns.Add(e.Period.Key);
        ledger.ThresholdReached += (_, _) => thresholds++;
        var late = (await ledger.TryReserveAsync(ChatSpend, 0.4m)).Reservation!;
        await ledger.RecordAsync(ChatSpend, 2m);
        Assert.That(shutdowns, Is.EqualTo(new[] { "m:2026-11" }));
        Assert.That(thresholds, Is.EqualTo(2));

        time.Advance(TimeSpan.FromSeconds(40));
        await ledger.ExpireReservationsAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        await ledger.SettleAsync(late, 0.4m);

        Assert.That(shutdowns, Is.EqualTo(new[] { "m:2026-11" }), "November's shutdown is not requested again in December");
        Assert.That(thresholds, Is.EqualTo(2));
    }

    [Test]
    public async Task SettleAsync_ReservedInLastHourSettledInNext_RaisesNothingForTheEndedHour()
    {
        var (ledger, time, _) = Create(new DateTimeOffset(2026, 11, 23, 10, 59, 30, TimeSpan.Zero), Options(Rule("hourly", 1m, BudgetWindow.Hourly, BudgetAction.Warn)));
        using var _ = ledger;
        var limits = 0;
        ledger.LimitReached += (_, _) => limits++;
        var late = (await ledger.TryReserveAsync(ChatSpend, 0.5m)).Reservation!;
        await ledger.RecordAsync(ChatSpend, 1m);
        time.Advance(TimeSpan.FromSeconds(40));
        await ledger.ExpireReservationsAsync();
        time.Advance(TimeSpan.FromSeconds(10));

        await ledger.SettleAsync(late, 0.5m);

        Assert.That(limits, Is.EqualTo(1));
    }
}
