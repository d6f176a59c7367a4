namespace ResourceKit.Cost.Budgets;

/// <summary>A spending limit over one window, for one scope, with the action taken when it is reached.</summary>
public sealed class BudgetRule
{
    /// <summary>
    /// Gets or sets the unique name used in events, metrics, <see cref="BudgetExceededException"/> and as the rule's
    /// key in the health check's data; it must not contain <c>|</c> nor be that data's
    /// <see cref="Diagnostics.CostBudgetHealthCheck.UnsavedSpendKey"/> (<c>unsavedSpend</c>, compared ordinally as the
    /// data's keys are: <c>UnsavedSpend</c> is allowed).
    /// </summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the limit in US dollars; must be greater than zero.</summary>
    public decimal Limit { get; set; }

    /// <summary>Gets or sets the window the limit applies to.</summary>
    /// <value>The default value is <see cref="BudgetWindow.Daily"/>.</value>
    public BudgetWindow Window { get; set; } = BudgetWindow.Daily;

    /// <summary>Gets or sets which spend the rule counts.</summary>
    /// <value>The default value is <see cref="BudgetScope.Global"/>.</value>
    public BudgetScope Scope { get; set; } = BudgetScope.Global;

    /// <summary>
    /// Gets or sets the category, model or agent the rule is limited to; <see langword="null"/> applies the
    /// limit to each one separately (for example "every agent may spend $2 a day").
    /// </summary>
    public string? ScopeValue { get; set; }

    /// <summary>Gets or sets the action taken when spend reaches <see cref="Limit"/>.</summary>
    /// <value>The default value is <see cref="BudgetAction.Block"/>.</value>
    public BudgetAction Action { get; set; } = BudgetAction.Block;

    /// <summary>
    /// Gets or sets the fractions of <see cref="Limit"/> (between 0 and 1) at which
    /// <see cref="SpendLedger.ThresholdReached"/> is raised; empty uses <see cref="CostOptions.SoftThresholds"/>.
    /// </summary>
    public IList<double> SoftThresholds { get; set; } = [];

    /// <summary>Gets a value indicating whether the ledger enforces the limit atomically when reserving.</summary>
    public bool IsHardLimit => Action is BudgetAction.Block or BudgetAction.Shutdown;

    /// <summary>Returns a copy of the rule.</summary>
    /// <returns>The copy.</returns>
    public BudgetRule Clone()
    {
        var copy = (BudgetRule)MemberwiseClone();
        copy.SoftThresholds = [.. SoftThresholds];
        return copy;
    }

    /// <summary>Whether <paramref name="other"/> is the same rule: same name, limit, window, scope, value, action and thresholds.</summary>
    internal bool IsSameAs(BudgetRule other) =>
        string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Limit == other.Limit
        && Window == other.Window
        && Scope == other.Scope
        && string.Equals(ScopeValue, other.ScopeValue, StringComparison.Ordinal)
        && Action == other.Action
        && SoftThresholds.SequenceEqual(other.SoftThresholds);

    /// <summary>Lists every problem with the rule.</summary>
    /// <param name="path">The configuration path used in the messages.</param>
    /// <returns>The problems; empty when the rule is valid.</returns>
    public IEnumerable<string> Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return $"{path}.Name is required.";
        }
        else if (Name.Contains('|', StringComparison.Ordinal))
        {
            yield return $"{path}.Name must not contain '|'.";
        }
        else if (string.Equals(Name, Diagnostics.CostBudgetHealthCheck.UnsavedSpendKey, StringComparison.Ordinal))
        {
            // The health check's data holds each rule under its name next to this key; the rule's entry would be lost.
            yield return $"{path}.Name '{Name}' is reserved: the budget health check reports unsaved spend under it.";
        }

        if (Limit <= 0)
        {
            yield return $"{path}.Limit must be greater than zero (was {Limit}).";
        }

        if (!Enum.IsDefined(Window))
        {
            yield return $"{path}.Window '{Window}' is unknown; use Hourly, Daily, Weekly or Monthly.";
        }

        if (!Enum.IsDefined(Scope))
        {
            yield return $"{path}.Scope '{Scope}' is unknown; use Global, Category, Model or Agent.";
        }

        if (!Enum.IsDefined(Action))
        {
            yield return $"{path}.Action '{Action}' is unknown; use Warn, Throttle, Block or Shutdown.";
        }

        if (Scope == BudgetScope.Global && !string.IsNullOrEmpty(ScopeValue))
        {
            yield return $"{path}.ScopeValue must be empty for a Global rule.";
        }

        foreach (var threshold in SoftThresholds)
        {
            if (threshold is <= 0 or >= 1 || double.IsNaN(threshold))
            {
                yield return $"{path}.SoftThresholds value {threshold} must be between 0 and 1 (exclusive).";
            }
        }
    }

    internal bool AppliesTo(SpendAttribution attribution) =>
        Scope == BudgetScope.Global
        || string.IsNullOrEmpty(ScopeValue)
        || string.Equals(SpendAttribution.Normalize(ScopeValue), attribution.ValueFor(Scope), StringComparison.Ordinal);
}
