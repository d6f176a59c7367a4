namespace ResourceKit.Cost.Budgets;

/// <summary>Spend in the current period of one window, in total and by category, model and agent.</summary>
/// <param name="Period">The period.</param>
/// <param name="Committed">All settled spend.</param>
/// <param name="Reserved">All money held by open reservations.</param>
/// <param name="ByCategory">Spend per category, largest first.</param>
/// <param name="ByModel">Spend per model, largest first.</param>
/// <param name="ByAgent">Spend per agent, largest first.</param>
public sealed record WindowSpend(
    BudgetPeriod Period,
    decimal Committed,
    decimal Reserved,
    IReadOnlyList<ScopeSpend> ByCategory,
    IReadOnlyList<ScopeSpend> ByModel,
    IReadOnlyList<ScopeSpend> ByAgent);
