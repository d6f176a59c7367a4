using ResourceKit.Cost.Budgets;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>Replacing the rules forgets what the ledger remembered about the rules that changed.</content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task ReplaceRules_ThrottleLimitRaisedAfterItWasHit_AdmitsCallsAgain()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("hourly", 1m, BudgetWindow.Hourly, BudgetAction.Throttle)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).Decision.Status, Is.EqualTo(BudgetStatus.Throttled), "the gate is set");

        ledger.ReplaceRules([Rule("hourly", 10m, BudgetWindow.Hourly, BudgetAction.Throttle)]);

        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).Decision.Status, Is.EqualTo(BudgetStatus.Allowed));
    }

    [Test]
    public async Task ReplaceRules_BlockLimitRaisedAfterItWasHit_IsNoLongerExhaustedAndRaisesItsEventsAgain()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        var limits = new List<decimal>();
        ledger.LimitReached += (_, e) => limits.Add(e.Rule.Limit);
        await ledger.RecordAsync(ChatSpend, 1m);
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].IsExhausted, Is.True);

        ledger.ReplaceRules([Rule("daily", 2m)]);

        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].IsExhausted, Is.False);
        await ledger.RecordAsync(ChatSpend, 1m);
        Assert.That(limits, Is.EqualTo(new[] { 1m, 2m }), "the raised limit is reached in the same period");
    }

    [Test]
    public async Task ReplaceRules_SameRulesAgain_KeepsWhatWasReached()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        var limits = 0;
        ledger.LimitReached += (_, _) => limits++;
        await ledger.RecordAsync(ChatSpend, 1m);

        ledger.ReplaceRules([Rule("daily", 1m)]);
        await ledger.RecordAsync(ChatSpend, 0.5m);

        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].IsLimitReached, Is.True);
        Assert.That(limits, Is.EqualTo(1), "an unchanged rule's event is not raised twice in a period");
    }
}
