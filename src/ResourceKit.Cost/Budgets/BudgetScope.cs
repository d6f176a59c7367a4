namespace ResourceKit.Cost.Budgets;

/// <summary>Which spend a rule counts.</summary>
public enum BudgetScope
{
    /// <summary>All spend.</summary>
    Global,

    /// <summary>Spend of one category (or of each category when the rule names none).</summary>
    Category,

    /// <summary>Spend on one model (or on each model when the rule names none).</summary>
    Model,

    /// <summary>Spend of one agent (or of each agent when the rule names none).</summary>
    Agent,
}
