namespace ResourceKit.Cost.Budgets;

/// <summary>Why a request may not proceed: the rule, the window and the amounts.</summary>
/// <param name="RuleName">The rule that refused.</param>
/// <param name="Action">The rule's action.</param>
/// <param name="Window">The rule's window.</param>
/// <param name="Period">The period key, such as <c>d:2026-11-23</c>.</param>
/// <param name="Scope">The counter the rule reads, such as <c>global</c> or <c>agent:planner</c>.</param>
/// <param name="Limit">The rule's limit.</param>
/// <param name="Committed">The settled spend in the period.</param>
/// <param name="Reserved">The money held by open reservations in the period.</param>
/// <param name="Requested">The amount the request asked for.</param>
public sealed record BudgetDenial(
    string RuleName,
    BudgetAction Action,
    BudgetWindow Window,
    string Period,
    string Scope,
    decimal Limit,
    decimal Committed,
    decimal Reserved,
    decimal Requested)
{
    /// <summary>Gets what is left under the limit.</summary>
    public decimal Remaining => Math.Max(0m, Limit - Committed - Reserved);

    /// <summary>Returns a sentence naming the rule, window and amounts.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"Budget rule '{RuleName}' ({Action}, {Window} window {Period}, scope {Scope}) refuses ${Requested:0.########}: " +
        $"spent ${Committed:0.########} + reserved ${Reserved:0.########} of a ${Limit:0.########} limit " +
        $"(${Remaining:0.########} remaining).";
}
