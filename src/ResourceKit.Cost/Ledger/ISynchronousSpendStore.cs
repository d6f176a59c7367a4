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
    /// <param name="limits">The hard limits to respect; every limit's counter must be observed.</param>
    /// <param name="now">The current time.</param>
    /// <param name="totals">Receives the observed counters' totals.</param>
    /// <param name="failedLimitIndex">The index of the first limit that refused, or -1 when granted.</param>
    /// <returns>Whether the money is now held.</returns>
    bool TryReserve(LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, ObservedTotals totals, out int failedLimitIndex);

    /// <summary>Does what <see cref="ISpendStore.SettleAsync"/> does, synchronously.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actual">The actual cost.</param>
    /// <param name="totals">Receives the observed counters' totals.</param>
    void Settle(LedgerReservation reservation, decimal actual, ObservedTotals totals);

    /// <summary>
    /// Does what <see cref="ISpendStore.ExpireAsync"/> does on two clocks: holds expire on the ledger's monotonic
    /// expiry clock, while periods are forgotten by the wall clock their keys and ends come from. A monotonic clock
    /// that runs ahead of a wall clock stepped back would otherwise forget the current period's spend.
    /// </summary>
    /// <param name="expiryNow">The current time on the expiry clock.</param>
    /// <param name="calendarNow">The current wall-clock time.</param>
    /// <returns>The number of reservations released.</returns>
    int Sweep(DateTimeOffset expiryNow, DateTimeOffset calendarNow);
}
