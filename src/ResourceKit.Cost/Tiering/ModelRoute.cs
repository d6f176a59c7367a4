using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Tiering;

/// <summary>The model chosen for a task, or why none may be called.</summary>
/// <param name="Provider">The provider of the chosen model.</param>
/// <param name="Model">The chosen model.</param>
/// <param name="Tier">The chosen tier.</param>
/// <param name="RequestedTier">The tier the task would get with a full budget.</param>
/// <param name="RemainingBudget">The smallest remaining fraction across the enforcing rules that apply (1 when none).</param>
/// <param name="Denial">Set when a Block or Shutdown rule is exhausted: the task must not run on any tier.</param>
public sealed record ModelRoute(string Provider, string Model, ModelTier Tier, ModelTier RequestedTier, double RemainingBudget, BudgetDenial? Denial)
{
    /// <summary>Gets a value indicating whether a rule forbids the call on every tier.</summary>
    public bool IsBlocked => Denial is not null;

    /// <summary>Gets a value indicating whether the budget moved the task to a cheaper tier.</summary>
    public bool SteppedDown => Tier > RequestedTier;
}
