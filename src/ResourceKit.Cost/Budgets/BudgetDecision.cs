namespace ResourceKit.Cost.Budgets;

/// <summary>The answer to "may this request proceed?".</summary>
/// <param name="Status">Whether it may.</param>
/// <param name="Denial">The refusing rule when not allowed.</param>
/// <param name="RetryAfter">How long to wait when throttled.</param>
public readonly record struct BudgetDecision(BudgetStatus Status, BudgetDenial? Denial, TimeSpan RetryAfter)
{
    /// <summary>Gets a decision that allows the request.</summary>
    public static BudgetDecision Allowed => new(BudgetStatus.Allowed, null, TimeSpan.Zero);

    /// <summary>Gets a value indicating whether the request may proceed.</summary>
    public bool IsAllowed => Status == BudgetStatus.Allowed;
}
