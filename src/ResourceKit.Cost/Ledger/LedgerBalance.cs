namespace ResourceKit.Cost.Ledger;

/// <summary>The totals of one counter.</summary>
/// <param name="Period">The period key.</param>
/// <param name="Scope">The scope key.</param>
/// <param name="Committed">The settled spend.</param>
/// <param name="Reserved">The money held by open reservations.</param>
public readonly record struct LedgerBalance(string Period, string Scope, decimal Committed, decimal Reserved);
