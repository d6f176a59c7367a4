namespace ResourceKit.Scheduling;

/// <summary>
/// The five scheduling levels, from the most to the least urgent. Lower numeric values are
/// dispatched first.
/// </summary>
public enum WorkPriority
{
    /// <summary>Heartbeats and health: always dispatched first and never shed for CPU.</summary>
    Critical = 0,

    /// <summary>User-facing work.</summary>
    High = 1,

    /// <summary>Ordinary service work.</summary>
    Normal = 2,

    /// <summary>Maintenance and clean-up.</summary>
    Low = 3,

    /// <summary>Non-urgent work that runs when nothing else needs the workers.</summary>
    Background = 4,
}
