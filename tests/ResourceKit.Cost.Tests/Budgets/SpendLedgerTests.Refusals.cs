using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Diagnostics;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>A hard rule that refuses reservations has reached its limit, although committed spend never gets there.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task TryReserveAsync_ShutdownRuleRefusesWithCommittedJustBelowLimit_RaisesShutdownOncePerPeriod()
    {
        var (ledger, time, _) = Create(Start, Options(Rule("monthly_limit", 1000m, BudgetWindow.Monthly, BudgetAction.Shutdown)));
        using var _ = ledger;
        var shutdowns = new List<BudgetLimitEventArgs>();
        var limits = 0;
        ledger.ShutdownRequested += (_, e) => shutdowns.Add(e);
        ledger.LimitReached += (_, _) => limits++;
        await ledger.RecordAsync(ChatSpend, 999.30m);

        for (var i = 0; i < 3; i++)
        {
            Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m)).Decision.Status, Is.EqualTo(BudgetStatus.Blocked));
        }

        Assert.That(shutdowns, Has.Count.EqualTo(1));
        Assert.That(limits, Is.EqualTo(1));
        Assert.That(shutdowns[0].Rule.Name, Is.EqualTo("monthly_limit"));
        Assert.That(shutdowns[0].Period.Key, Is.EqualTo("m:2026-11"));
        Assert.That(shutdowns[0].Committed, Is.EqualTo(999.30m));

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.IsLimitReached, Is.True);
        Assert.That(status.IsExhausted, Is.True, "the rule refuses calls");
        var health = await new CostBudgetHealthCheck(ledger).CheckHealthAsync(new HealthCheckContext());
        Assert.That(health.Status, Is.EqualTo(HealthStatus.Unhealthy));

        time.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero));
        await ledger.RecordAsync(ChatSpend, 999.30m);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m)).IsGranted, Is.False);
        Assert.That(shutdowns, Has.Count.EqualTo(2), "once per period");
        Assert.That(shutdowns[1].Period.Key, Is.EqualTo("m:2026-12"));
    }

    [Test]
    public async Task TryReserveAsync_BlockRefusedOnlyBecauseOfOpenHolds_RaisesNothingAndStaysHealthy()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m)));
        using var _ = ledger;
        var limits = 0;
        ledger.LimitReached += (_, _) => limits++;
        await ledger.RecordAsync(ChatSpend, 5m);
        for (var i = 0; i < 5; i++)
        {
            Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.9m)).IsGranted, Is.True);
        }

        Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m)).IsGranted, Is.False, "held money is not free");

        Assert.That(limits, Is.Zero, "the holds may yet be released");
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].IsLimitReached, Is.False);
        var health = await new CostBudgetHealthCheck(ledger).CheckHealthAsync(new HealthCheckContext());
        Assert.That(health.Status, Is.Not.EqualTo(HealthStatus.Unhealthy));
    }

    [Test]
    public async Task TryReserveAsync_RequestLargerThanMaxReservationCostRefused_RaisesNothing()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m, action: BudgetAction.Shutdown)));
        using var _ = ledger;
        var shutdowns = 0;
        ledger.ShutdownRequested += (_, _) => shutdowns++;
        await ledger.RecordAsync(ChatSpend, 5m);

        Assert.That((await ledger.TryReserveAsync(ChatSpend, 6m)).IsGranted, Is.False);

        Assert.That(shutdowns, Is.Zero, "$5 is left: one outsized request does not stop the host");
    }
}
