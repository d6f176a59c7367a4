using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
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

    [TestCase(BudgetAction.Block)]
    [TestCase(BudgetAction.Shutdown)]
    public async Task ReplaceRules_LimitRaisedWhileACallRuns_SettleOverTheOldLimitDoesNotMarkItReached(BudgetAction action)
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m, action: action)));
        using var _ = ledger;
        var raised = new List<string>();
        ledger.LimitReached += (_, e) => raised.Add($"limit {e.Rule.Limit}");
        ledger.ShutdownRequested += (_, e) => raised.Add($"shutdown {e.Rule.Limit}");
        await ledger.RecordAsync(ChatSpend, 0.7m);
        var call = await ledger.TryReserveAsync(ChatSpend, 0.3m);
        Assert.That(call.IsGranted, Is.True);

        ledger.ReplaceRules([Rule("daily", 10m, action: action)]);
        await ledger.SettleAsync(call.Reservation!, 0.5m);

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(status.Committed, Is.EqualTo(1.2m));
            Assert.That(status.IsLimitReached, Is.False, "$1.20 is over the old $1 limit, not the new $10");
            Assert.That(raised, Is.Empty);
        });

        await ledger.RecordAsync(ChatSpend, 8.8m);
        Assert.That(raised, Is.EqualTo(action == BudgetAction.Shutdown ? new[] { "limit 10", "shutdown 10" } : new[] { "limit 10" }), "the new limit still fires");
    }

    [Test]
    public async Task ReplaceRules_ShutdownRuleRemovedWhileACallRuns_SettleRequestsNoShutdown()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m, action: BudgetAction.Shutdown)));
        using var _ = ledger;
        var shutdowns = 0;
        ledger.ShutdownRequested += (_, _) => shutdowns++;
        await ledger.RecordAsync(ChatSpend, 0.7m);
        var call = await ledger.TryReserveAsync(ChatSpend, 0.3m);

        ledger.ReplaceRules([]);
        await ledger.SettleAsync(call.Reservation!, 0.5m);

        Assert.That(shutdowns, Is.Zero);
    }

    [Test]
    public async Task ReplaceRules_LimitRaisedWhileAReservationIsInTheStore_DenialUnderTheOldLimitDoesNotMarkItReached()
    {
        var time = new FakeTimeProvider(Start);
        var store = new FlakySpendStore(new MemorySpendStore());
        using var ledger = new SpendLedger(Options(Rule("daily", 1m)), new AsyncOnlySpendStore(store), time);
        var limits = 0;
        ledger.LimitReached += (_, _) => limits++;
        await ledger.RecordAsync(ChatSpend, 0.95m);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.ReserveGate = gate.Task;

        // The plan, and with it the $1 limit the store checks, is built before the rules change.
        var pending = ledger.TryReserveAsync(ChatSpend, 0.3m).AsTask();
        ledger.ReplaceRules([Rule("daily", 10m)]);
        gate.SetResult();
        var result = await pending;
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];

        Assert.Multiple(() =>
        {
            Assert.That(result.IsGranted, Is.False, "the store judged the call under the rules it was reserved with");
            Assert.That(status.IsLimitReached, Is.False);
            Assert.That(limits, Is.Zero);
        });
    }

    [Test]
    public async Task ReplaceRules_LimitRaisedWhileACallRuns_UtilizationIsNotReportedAgainstTheOldLimit()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        using var utilization = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.budget.utilization");
        await ledger.RecordAsync(ChatSpend, 0.7m);
        var call = await ledger.TryReserveAsync(ChatSpend, 0.3m);

        ledger.ReplaceRules([Rule("daily", 10m)]);
        await ledger.SettleAsync(call.Reservation!, 0.5m);
        utilization.RecordObservableInstruments();
        var afterSettle = Daily(utilization);
        utilization.Clear();
        await ledger.RecordAsync(ChatSpend, 0.3m);
        utilization.RecordObservableInstruments();

        Assert.That(afterSettle, Is.Empty, "$1.20 of the old $1 limit is not 120 %, and the new rule has seen no spend yet");
        Assert.That(Daily(utilization), Is.EqualTo(new[] { 0.15 }).Within(1e-9), "$1.50 of the new $10");
    }

    [Test]
    public async Task ReplaceRules_RuleRemoved_ItsUtilizationIsNoLongerReported()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        using var utilization = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.budget.utilization");
        await ledger.RecordAsync(ChatSpend, 0.5m);
        utilization.RecordObservableInstruments();
        var before = Daily(utilization);
        utilization.Clear();

        ledger.ReplaceRules([]);
        utilization.RecordObservableInstruments();

        Assert.That(before, Is.EqualTo(new[] { 0.5 }).Within(1e-9));
        Assert.That(Daily(utilization), Is.Empty);
    }

    private static double[] Daily(MetricCollector<double> utilization) =>
        [.. utilization.GetMeasurementSnapshot().Where(m => (string?)m.Tags["rule"] == "daily").Select(m => m.Value)];
}
