namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A store that finishes every operation before returning (the memory and file stores). The ledger calls it
/// directly on its hot path, with the totals it reads written into caller-owned spans, so a reserve or settle
/// allocates no totals arrays, copies only the totals the ledger looks at, and runs no async machinery. Stores that do I/O asynchronously only implement <see cref="ISpendStore"/>.
/// </summary>
internal interface ISynchronousSpendStore
{
    /// <summary>Does what <see cref="ISpendStore.TryReserveAsync"/> does, synchronously.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="limits">The hard limits to respect.</param>
    /// <param name="now">The current time.</param>
    /// <param name="observed">The indices of the counters whose totals the caller reads (every limit's counter among them); empty for all.</param>
    /// <param name="committed">Receives the observed counters' committed totals at their indices; as long as the reservation's counters.</param>
    /// <param name="reserved">Receives the observed counters' reserved totals at their indices; as long as the reservation's counters.</param>
    /// <param name="failedLimitIndex">The index of the first limit that refused, or -1 when granted.</param>
    /// <returns>Whether the money is now held.</returns>
    bool TryReserve(
        LedgerReservation reservation,
        IReadOnlyList<LedgerLimit> limits,
        DateTimeOffset now,
        ReadOnlySpan<int> observed,
        Span<decimal> committed,
        Span<decimal> reserved,
        out int failedLimitIndex);

    /// <summary>Does what <see cref="ISpendStore.SettleAsync"/> does, synchronously.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actual">The actual cost.</param>
    /// <param name="observed">The indices of the counters whose totals the caller reads; empty for all.</param>
    /// <param name="committed">Receives the observed counters' committed totals at their indices.</param>
    /// <param name="reserved">Receives the observed counters' reserved totals at their indices.</param>
    void Settle(LedgerReservation reservation, decimal actual, ReadOnlySpan<int> observed, Span<decimal> committed, Span<decimal> reserved);
}
