namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A store that can keep committed spend in this process when its server cannot be reached, and write it by a later
/// operation once it answers (the Redis store). The ledger settles through it so that a settle the server refused
/// is not handed back to a caller who may give up on it: the money was spent, so it must not be forgotten.
/// </summary>
internal interface IDeferringSpendStore
{
    /// <summary>
    /// Does what <see cref="ISpendStore.SettleAsync"/> does, but when the server cannot be reached it keeps the spend
    /// to write later and returns <see langword="null"/> instead of throwing (it throws the server's error when it
    /// keeps as much as it may already; a retry of the settle is charged once).
    /// </summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="actual">The actual cost.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait for spend kept earlier to be written; the settle is then not sent but kept to write later, and
    /// <see langword="null"/> returned (an <see cref="OperationCanceledException"/> when it keeps as much as it may).
    /// </param>
    /// <returns>The totals after the operation, or <see langword="null"/> when the spend was kept to write later.</returns>
    ValueTask<LedgerTotals?> SettleOrDeferAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken);

    /// <summary>
    /// Does what <see cref="ISpendStore.RecordAsync"/> does, but when the server cannot be reached it keeps the spend
    /// to write later and returns <see langword="null"/> instead of throwing. When it keeps as much as it may already
    /// it throws the server's error (the spend is not counted), or <see cref="SpendOutcomeUnknownException"/> when the
    /// record was sent and its reply lost (it may have been counted).
    /// </summary>
    /// <param name="counters">The counters to add to.</param>
    /// <param name="amount">The amount.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait for spend kept earlier to be written; the record is then not sent but kept to write later, and
    /// <see langword="null"/> returned (an <see cref="OperationCanceledException"/>, not counted, when it keeps as much
    /// as it may).
    /// </param>
    /// <returns>The totals after the operation, or <see langword="null"/> when the spend was kept to write later.</returns>
    ValueTask<LedgerTotals?> RecordOrDeferAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken);
}
