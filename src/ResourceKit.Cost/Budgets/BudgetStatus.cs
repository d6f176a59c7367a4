namespace ResourceKit.Cost.Budgets;

/// <summary>Whether a request may proceed.</summary>
public enum BudgetStatus
{
    /// <summary>The request may proceed.</summary>
    Allowed,

    /// <summary>A <see cref="BudgetAction.Throttle"/> rule is over its limit; retry after the given delay.</summary>
    Throttled,

    /// <summary>A <see cref="BudgetAction.Block"/> or <see cref="BudgetAction.Shutdown"/> rule refuses the request.</summary>
    Blocked,
}
