namespace ResourceKit.Cost.Budgets;

/// <summary>Where one rule stands in its current period.</summary>
/// <param name="RuleName">The rule.</param>
/// <param name="Action">The rule's action.</param>
/// <param name="Period">The current period.</param>
/// <param name="Scope">The counter read, such as <c>global</c> or <c>agent:planner</c>.</param>
/// <param name="Limit">The limit.</param>
/// <param name="Committed">The settled spend.</param>
/// <param name="Reserved">The money held by open reservations.</param>
public readonly record struct BudgetRuleStatus(
    string RuleName, BudgetAction Action, BudgetPeriod Period, string Scope, decimal Limit, decimal Committed, decimal Reserved)
{
    /// <summary>Gets what is left under the limit.</summary>
    public decimal Remaining => Math.Max(0m, Limit - Committed - Reserved);

    /// <summary>Gets committed plus reserved as a fraction of the limit (may exceed 1 after an overrun).</summary>
    public double Utilization => (double)((Committed + Reserved) / Limit);

    /// <summary>Gets the remaining fraction of the limit, between 0 and 1.</summary>
    public double RemainingRatio => (double)(Remaining / Limit);

    /// <summary>
    /// Gets a value indicating whether this ledger has raised the rule's limit event in <see cref="Period"/>: settled
    /// spend reached the limit, or a Block or Shutdown rule refused a reservation that would not fit even with no
    /// other reservation open (see <see cref="SpendLedger.LimitReached"/>). Known to the ledger instance that saw it.
    /// </summary>
    public bool IsLimitReached { get; init; }

    /// <summary>Gets a value indicating whether nothing is left, or the rule's limit has been reached (<see cref="IsLimitReached"/>).</summary>
    public bool IsExhausted => IsLimitReached || Committed + Reserved >= Limit;
}
