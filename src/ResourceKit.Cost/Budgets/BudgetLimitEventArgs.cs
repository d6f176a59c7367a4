namespace ResourceKit.Cost.Budgets;

/// <summary>Raised when settled spend first reaches a rule's limit in a period.</summary>
/// <param name="rule">The rule, whose <see cref="BudgetRule.Action"/> says what now happens.</param>
/// <param name="period">The period.</param>
/// <param name="committed">The settled spend.</param>
public sealed class BudgetLimitEventArgs(BudgetRule rule, BudgetPeriod period, decimal committed) : EventArgs
{
    /// <summary>Gets the rule.</summary>
    public BudgetRule Rule { get; } = rule;

    /// <summary>Gets the period.</summary>
    public BudgetPeriod Period { get; } = period;

    /// <summary>Gets the settled spend.</summary>
    public decimal Committed { get; } = committed;
}
