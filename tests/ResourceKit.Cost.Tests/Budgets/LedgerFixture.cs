using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Budgets;

/// <summary>Builds ledgers over a memory store and a fake clock for tests.</summary>
internal static class LedgerFixture
{
    public static readonly SpendAttribution ChatSpend = new("chat", "gpt-4o", "planner");

    public static CostOptions Options(params BudgetRule[] rules) => new() { Rules = [.. rules] };

    public static BudgetRule Rule(string name, decimal limit, BudgetWindow window = BudgetWindow.Daily, BudgetAction action = BudgetAction.Block) =>
        new() { Name = name, Limit = limit, Window = window, Action = action };

    public static (SpendLedger Ledger, FakeTimeProvider Time, MemorySpendStore Store) Create(
        DateTimeOffset start, CostOptions options)
    {
        var time = new FakeTimeProvider(start);
        var store = new MemorySpendStore();
        return (new SpendLedger(options, store, time), time, store);
    }
}
