namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Raised when settled spend first reaches a rule's limit in a period, or a Block or Shutdown rule first refuses a
/// reservation that committed spend alone leaves no room for (see <see cref="SpendLedger.LimitReached"/>).
/// </summary>
/// <param name="rule">The rule, whose <see cref="BudgetRule.Action"/> says what now happens.</param>
/// <param name="period">The period.</param>
/// <param name="committed">The settled spend at that moment (below the limit when a refusal raised the event).</param>
public sealed class BudgetLimitEventArgs(BudgetRule rule, BudgetPeriod period, decimal committed) : EventArgs
{
    /// <summary>Gets the rule.</summary>
    public BudgetRule Rule { get; } = rule;

    /// <summary>Gets the period.</summary>
    public BudgetPeriod Period { get; } = period;

    /// <summary>Gets the settled spend.</summary>
    public decimal Committed { get; } = committed;
}
