namespace ResourceKit.Cost.Budgets;

/// <summary>A calendar window over which spend is summed, in the ledger's time zone.</summary>
public enum BudgetWindow
{
    /// <summary>A clock hour.</summary>
    Hourly,

    /// <summary>A calendar day, from local midnight to local midnight.</summary>
    Daily,

    /// <summary>An ISO 8601 week, Monday to Monday.</summary>
    Weekly,

    /// <summary>A calendar month (not 28 or 30 days).</summary>
    Monthly,
}
