namespace ResourceKit.Cost.Ledger;

/// <summary>A hard limit a reservation must respect: committed plus reserved on one counter may not exceed it.</summary>
/// <param name="CounterIndex">The index of the counter in <see cref="LedgerReservation.Counters"/>.</param>
/// <param name="Limit">The limit in US dollars.</param>
public readonly record struct LedgerLimit(int CounterIndex, decimal Limit);
