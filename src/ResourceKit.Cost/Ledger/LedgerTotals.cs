namespace ResourceKit.Cost.Ledger;

/// <summary>Committed and reserved totals of a list of counters, index for index, after an operation.</summary>
/// <param name="Committed">The settled spend per counter.</param>
/// <param name="Reserved">The money held by open reservations per counter.</param>
public sealed record LedgerTotals(IReadOnlyList<decimal> Committed, IReadOnlyList<decimal> Reserved);
