namespace ResourceKit.Cost.Budgets;

/// <summary>Raised when settled spend first reaches a soft threshold of a rule in a period.</summary>
/// <param name="rule">The rule.</param>
/// <param name="period">The period.</param>
/// <param name="threshold">The fraction reached, for example 0.8.</param>
/// <param name="committed">The settled spend.</param>
public sealed class BudgetThresholdEventArgs(BudgetRule rule, BudgetPeriod period, double threshold, decimal committed) : EventArgs
{
    /// <summary>Gets the rule.</summary>
    public BudgetRule Rule { get; } = rule;

    /// <summary>Gets the period.</summary>
    public BudgetPeriod Period { get; } = period;

    /// <summary>Gets the fraction of the limit reached.</summary>
    public double Threshold { get; } = threshold;

    /// <summary>Gets the settled spend.</summary>
    public decimal Committed { get; } = committed;
}
