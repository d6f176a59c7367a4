namespace ResourceKit.Cost.Ledger;

/// <summary>
/// Durable counters of committed and reserved spend. Every method is atomic with respect to every other
/// caller of the same store, including callers in other processes for shared stores.
/// </summary>
public interface ISpendStore
{
    /// <summary>
    /// First releases reservations expired at <paramref name="now"/>, then holds the checked amount (the larger of
    /// <see cref="LedgerReservation.Amount"/> and <see cref="LedgerReservation.LimitCheckAmount"/>) on all the
    /// reservation's counters if, for every limit, committed + reserved + the checked amount stays within the limit.
    /// The hold is the amount checked, so open holds count against later checks what they were checked against.
    /// </summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="limits">The hard limits to respect.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was granted, and the totals.</returns>
    ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases the reservation's hold (if it is still held) and commits <paramref name="actual"/> on its counters.
    /// Spend is committed even when the reservation has expired, because the money was spent.
    /// </summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actual">The actual cost.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The committed totals after the operation.</returns>
    ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default);

    /// <summary>Releases the reservation's hold without committing anything.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the hold was still present.</returns>
    ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the expiry of a reservation that is still held to <paramref name="expiresAt"/>, so a call that runs longer
    /// than the time to live keeps its hold. A hold that has already expired (at or before <paramref name="now"/>, even
    /// if no sweep has released it yet) or been settled or released is not taken again: that would skip the limit check.
    /// </summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="expiresAt">The new expiry.</param>
    /// <param name="now">The current time, on the clock the store's expiries are measured on.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// <see langword="true"/> when the hold was still present and unexpired and now expires at <paramref name="expiresAt"/>.
    /// The default implementation, for stores written before this member existed, extends nothing and returns <see langword="false"/>.
    /// </returns>
    ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    /// <summary>Commits spend that was not reserved.</summary>
    /// <param name="counters">The counters to add to.</param>
    /// <param name="amount">The amount.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The totals after the operation.</returns>
    ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the committed spend this store counts but has not yet saved where it lasts, because its disk or server
    /// refused it for now; the store writes it by itself once it can, and a process that ends first loses it.
    /// </summary>
    /// <value>
    /// Zero when everything is saved. The default implementation, for stores that save every operation before
    /// returning (or fail it), is always zero. While it is above zero the budget health check reports degraded and
    /// the <c>resourcekit.cost.unsaved</c> gauge shows it.
    /// </value>
    decimal UnsavedSpend => 0m;

    /// <summary>Releases every reservation that expired at or before <paramref name="now"/> and forgets old counters.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of reservations released.</returns>
    ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Returns every counter of one period.</summary>
    /// <param name="period">The period key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The balances.</returns>
    ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default);
}
