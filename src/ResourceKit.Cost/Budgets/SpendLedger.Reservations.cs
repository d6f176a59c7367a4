using System.Buffers.Binary;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Budgets;

/// <content>
/// The second half of reserve and settle: through an asynchronous store (Redis) when the store cannot finish
/// at once, and the bookkeeping both paths share once the store has answered.
/// </content>
public sealed partial class SpendLedger
{
    private static ReadOnlySpan<decimal> AsSpan(IReadOnlyList<decimal> totals) =>
        totals as decimal[] ?? [.. totals];

    private async ValueTask<BudgetReservationResult> ReserveThroughStoreAsync(
        SpendPlan plan, LedgerReservation ticket, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await _store.TryReserveAsync(ticket, plan.Limits, now, cancellationToken).ConfigureAwait(false);
        return CompleteReservation(
            plan, ticket, result.Granted, result.FailedLimitIndex, AsSpan(result.Totals.Committed), AsSpan(result.Totals.Reserved));
    }

    private async ValueTask<bool> SettleThroughStoreAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken)
    {
        LedgerTotals? totals;
        try
        {
            totals = await _store.SettleAsync(reservation.Ticket, actualCost, cancellationToken).ConfigureAwait(false);
        }
        catch (SpendKeptException)
        {
            // The store (Redis, or one wrapping it) kept the spend because its server could not take it: the settle is
            // done, not reopened. Handed back as an error, a caller may give up on it and the spend would be lost once
            // the hold lapsed.
            totals = null;
        }
        catch
        {
            Reopen(reservation);
            throw;
        }

        if (totals is null)
        {
            // Kept by the store until it reaches its server; the totals, and the events they may raise, come with the
            // next operation that returns them.
            _metrics.Spent(actualCost, reservation.Attribution);
            return true;
        }

        CompleteSettlement(reservation, actualCost, AsSpan(totals.Committed), AsSpan(totals.Reserved));
        return true;
    }

    /// <summary>
    /// Extends the hold of an open reservation to <see cref="CostOptions.ReservationTimeToLive"/> from now, for a call
    /// that runs longer than that; the chat middleware does this by itself while a call or stream runs.
    /// </summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// <see langword="false"/> when the reservation was settled or released, or its hold had already expired. An expired
    /// hold is not taken again (that would skip the limit check); settling still commits the spend.
    /// </returns>
    public async ValueTask<bool> RenewAsync(BudgetReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (reservation.IsCompleted)
        {
            return false;
        }

        var now = ExpiryNow(_time.GetUtcNow());
        var expiresAt = now + _reservationTimeToLive;
        if (!await _store.ExtendAsync(reservation.Ticket, expiresAt, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        reservation.Renewed(expiresAt);
        return true;
    }

    /// <summary>
    /// Renews <paramref name="reservation"/> every third of the time to live until <see cref="StopKeepAlive"/>, so the
    /// hold of a running call never lapses while this process lives; only a dead caller's hold expires.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The clock refuses a timer with that interval.</exception>
    internal void KeepAlive(BudgetReservation reservation) => _renewals.Add(reservation);

    /// <summary>Stops renewing <paramref name="reservation"/>; harmless when it is not being renewed.</summary>
    internal void StopKeepAlive(BudgetReservation reservation) => _renewals.Remove(reservation);

    /// <summary>
    /// Gives up on a reservation whose settle kept failing: this process stops counting it as reserved, and the
    /// store's hold lapses at its expiry. Without this the reserved gauge would keep the amount forever.
    /// </summary>
    /// <returns><see langword="false"/> when the reservation was already settled or released.</returns>
    internal bool Abandon(BudgetReservation reservation) => TryClose(reservation);

    /// <summary>
    /// Claims the reservation for a settle, release or abandonment and takes it off the reserved gauge; false if
    /// another of them claimed it first. <see cref="Reopen"/> undoes it when the store then fails.
    /// </summary>
    private bool TryClose(BudgetReservation reservation)
    {
        if (!reservation.TryComplete())
        {
            return false;
        }

        _metrics.ReservedChanged(-reservation.ReservedUnits);
        return true;
    }

    /// <summary>Opens a reservation again after the store failed to settle or release it, hold and gauge included.</summary>
    private void Reopen(BudgetReservation reservation)
    {
        reservation.Reopen();
        _metrics.ReservedChanged(reservation.ReservedUnits);
    }

    private BudgetReservationResult CompleteReservation(
        SpendPlan plan, LedgerReservation ticket, bool granted, int failedLimitIndex, ReadOnlySpan<decimal> committed, ReadOnlySpan<decimal> reserved)
    {
        Observe(plan, committed, reserved);
        if (!granted)
        {
            var (rule, counter) = plan.HardRules[failedLimitIndex];
            var denial = Deny(plan, rule, counter, committed[counter], reserved[counter], ticket.CheckedAmount);

            // Committed spend alone leaves no room for a request of ordinary size: the rule now refuses calls, so
            // it has reached its limit although committed spend may never get there (each refused call commits nothing).
            if (committed[counter] + Math.Min(ticket.CheckedAmount, _maxReservationCost) > rule.Limit)
            {
                ObserveLimitReached(plan, Array.FindIndex(plan.Rules, r => ReferenceEquals(r.Rule, rule) && r.Counter == counter), committed[counter]);
            }

            return new BudgetReservationResult(new BudgetDecision(BudgetStatus.Blocked, denial, TimeSpan.Zero), null);
        }

        var reservation = new BudgetReservation(plan, ticket);
        _metrics.ReservedChanged(reservation.ReservedUnits);
        return new BudgetReservationResult(BudgetDecision.Allowed, reservation);
    }

    private void CompleteSettlement(BudgetReservation reservation, decimal actualCost, ReadOnlySpan<decimal> committed, ReadOnlySpan<decimal> reserved)
    {
        _metrics.Spent(actualCost, reservation.Attribution);
        Observe(reservation.Plan, committed, reserved);
    }

    private string NewReservationId()
    {
        // 32 lowercase hex digits, like a GUID in "N" format.
        Span<byte> id = stackalloc byte[2 * sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(id, _idPrefix);
        BinaryPrimitives.WriteUInt64BigEndian(id[sizeof(ulong)..], (ulong)Interlocked.Increment(ref _idSequence));
        return Convert.ToHexStringLower(id);
    }
}
