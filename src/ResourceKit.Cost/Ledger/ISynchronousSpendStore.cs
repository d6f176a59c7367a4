namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A store that finishes every operation before returning (the memory and file stores). The ledger calls it
/// directly on its hot path, with totals written into caller-owned spans, so a reserve or settle allocates no
/// totals arrays and runs no async machinery. Stores that do I/O asynchronously only implement <see cref="ISpendStore"/>.
/// </summary>
internal interface ISynchronousSpendStore
{
    /// <summary>Does what <see cref="ISpendStore.TryReserveAsync"/> does, synchronously.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="limits">The hard limits to respect.</param>
    /// <param name="now">The current time.</param>
    /// <param name="committed">Receives each counter's committed total; as long as the reservation's counters.</param>
    /// <param name="reserved">Receives each counter's reserved total; as long as the reservation's counters.</param>
    /// <param name="failedLimitIndex">The index of the first limit that refused, or -1 when granted.</param>
    /// <returns>Whether the money is now held.</returns>
    bool TryReserve(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, Span<decimal> committed, Span<decimal> reserved, out int failedLimitIndex);

    /// <summary>Does what <see cref="ISpendStore.SettleAsync"/> does, synchronously.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actual">The actual cost.</param>
    /// <param name="committed">Receives each counter's committed total.</param>
    /// <param name="reserved">Receives each counter's reserved total.</param>
    void Settle(LedgerReservation reservation, decimal actual, Span<decimal> committed, Span<decimal> reserved);
}
