namespace ResourceKit.Cost.Budgets;

/// <summary>What happens when spend reaches a rule's limit.</summary>
public enum BudgetAction
{
    /// <summary>Raise an event and log; requests continue.</summary>
    Warn,

    /// <summary>Admit at most one request per <see cref="CostOptions.ThrottleInterval"/> until the window rolls over.</summary>
    Throttle,

    /// <summary>Refuse every request whose reservation would take spend past the limit.</summary>
    Block,

    /// <summary>Refuse like <see cref="Block"/> and raise <see cref="SpendLedger.ShutdownRequested"/> so the host can stop.</summary>
    Shutdown,
}
