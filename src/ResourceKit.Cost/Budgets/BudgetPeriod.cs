namespace ResourceKit.Cost.Budgets;

/// <summary>One concrete occurrence of a <see cref="BudgetWindow"/>, such as the day 2026-11-23 in Berlin.</summary>
/// <param name="Window">The kind of window.</param>
/// <param name="Key">A stable name for this occurrence, used as the ledger key (for example <c>d:2026-11-23</c>).</param>
/// <param name="Start">The first instant of the occurrence.</param>
/// <param name="End">The first instant after the occurrence.</param>
public readonly record struct BudgetPeriod(BudgetWindow Window, string Key, DateTimeOffset Start, DateTimeOffset End);
