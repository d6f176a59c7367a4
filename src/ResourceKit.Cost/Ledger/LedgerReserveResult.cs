namespace ResourceKit.Cost.Ledger;

/// <summary>The outcome of an atomic check-and-reserve.</summary>
/// <param name="Granted">Whether the money is now held.</param>
/// <param name="FailedLimitIndex">The index of the first limit that refused, or -1 when granted.</param>
/// <param name="Totals">The counters' totals after the operation (before it, when refused).</param>
public readonly record struct LedgerReserveResult(bool Granted, int FailedLimitIndex, LedgerTotals Totals);
