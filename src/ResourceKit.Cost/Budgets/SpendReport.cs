namespace ResourceKit.Cost.Budgets;

/// <summary>A spending report: the current period of every window with its breakdown, and every rule's standing.</summary>
/// <param name="GeneratedAt">When the report was made.</param>
/// <param name="TimeZoneId">The time zone the windows follow.</param>
/// <param name="Windows">One entry per window, hourly to monthly.</param>
/// <param name="Rules">The standing of every rule.</param>
public sealed record SpendReport(
    DateTimeOffset GeneratedAt, string TimeZoneId, IReadOnlyList<WindowSpend> Windows, IReadOnlyList<BudgetRuleStatus> Rules);
