namespace ResourceKit.Cost.Ledger;

/// <summary>
/// Where a synchronous store writes the totals the ledger reads after an operation: the committed and
/// reserved totals of the observed counters, at the counters' own indices. Other entries are left alone.
/// </summary>
/// <param name="observed">The indices of the counters to report; empty for all of them.</param>
/// <param name="committed">Receives committed totals; as long as the counter list.</param>
/// <param name="reserved">Receives reserved totals; as long as the counter list.</param>
internal readonly ref struct ObservedTotals(ReadOnlySpan<int> observed, Span<decimal> committed, Span<decimal> reserved)
{
    /// <summary>Gets the indices of the counters to report; empty for all of them.</summary>
    public ReadOnlySpan<int> Observed { get; } = observed;

    /// <summary>Gets the committed totals by counter index.</summary>
    public Span<decimal> Committed { get; } = committed;

    /// <summary>Gets the reserved totals by counter index.</summary>
    public Span<decimal> Reserved { get; } = reserved;

    /// <summary>Returns a buffer that reports every counter into two new arrays, for the public, allocating API.</summary>
    /// <param name="count">The number of counters.</param>
    /// <param name="totals">The totals object over the same arrays.</param>
    /// <returns>The buffer.</returns>
    public static ObservedTotals ForAll(int count, out LedgerTotals totals)
    {
        var committed = new decimal[count];
        var reserved = new decimal[count];
        totals = new LedgerTotals(committed, reserved);
        return new ObservedTotals(default, committed, reserved);
    }
}
