namespace ResourceKit.Cost.Budgets;

/// <summary>Spend of one category, model or agent in a period.</summary>
/// <param name="Name">The category, model or agent.</param>
/// <param name="Committed">The settled spend.</param>
/// <param name="Reserved">The money held by open reservations.</param>
public readonly record struct ScopeSpend(string Name, decimal Committed, decimal Reserved);
