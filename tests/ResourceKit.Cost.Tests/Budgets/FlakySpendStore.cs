using System.Collections.Concurrent;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Budgets;

/// <summary>
/// A memory store whose settle and release fail a set number of times before working, on both the synchronous
/// path the ledger takes for local stores and the asynchronous one (wrap it in <see cref="AsyncOnlySpendStore"/>).
/// It also records every extension (renewal) asked of it, can fail or hold up the extensions the test picks, and can
/// hold up asynchronous reservations.
/// </summary>
internal sealed class FlakySpendStore(MemorySpendStore inner) : ISpendStore, ISynchronousSpendStore
{
    public int SettleFailures { get; set; }

    public int ReleaseFailures { get; set; }

    public int SettleCalls { get; private set; }

    /// <summary>Gets or sets the spend the store reports as kept but not yet saved, to stand for one that keeps failed settles.</summary>
    public decimal UnsavedSpend { get; set; }

    /// <summary>Gets or sets which extensions throw (after being recorded).</summary>
    public Func<LedgerReservation, bool>? FailExtend { get; set; }

    /// <summary>Gets or sets a task extensions wait for before reaching the inner store, to stand for a slow store.</summary>
    public Task? ExtendGate { get; set; }

    /// <summary>Gets every extension asked for: the reservation id and the store's "now".</summary>
    public ConcurrentQueue<(string Id, DateTimeOffset At)> Extensions { get; } = new();

    /// <summary>Gets or sets a task asynchronous reservations wait for before reaching the inner store, to stand for a slow store.</summary>
    public Task? ReserveGate { get; set; }

    public ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        return ReserveGate is { } gate ? ReserveAfterAsync(gate) : inner.TryReserveAsync(reservation, limits, now, cancellationToken);

        async ValueTask<LedgerReserveResult> ReserveAfterAsync(Task wait)
        {
            await wait.ConfigureAwait(false);
            return await inner.TryReserveAsync(reservation, limits, now, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        FailSettleIfDue();
        return inner.SettleAsync(reservation, actual, cancellationToken);
    }

    public ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        if (ReleaseFailures > 0)
        {
            ReleaseFailures--;
            throw new IOException("store unavailable");
        }

        return inner.ReleaseAsync(reservation, cancellationToken);
    }

    public ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Extensions.Enqueue((reservation.Id, now));
        if (FailExtend?.Invoke(reservation) == true)
        {
            throw new IOException("store unavailable");
        }

        return ExtendGate is { } gate ? ExtendAfterAsync(gate) : inner.ExtendAsync(reservation, expiresAt, now, cancellationToken);

        async ValueTask<bool> ExtendAfterAsync(Task wait)
        {
            // Without a captured context the renewal finishes inline when the test opens the gate.
            await wait.ConfigureAwait(false);
            return await inner.ExtendAsync(reservation, expiresAt, now, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default) =>
        inner.RecordAsync(counters, amount, cancellationToken);

    public ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => inner.ExpireAsync(now, cancellationToken);

    public ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default) =>
        inner.GetBalancesAsync(period, cancellationToken);

    bool ISynchronousSpendStore.TryReserve(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, ObservedTotals totals, out int failedLimitIndex) =>
        ((ISynchronousSpendStore)inner).TryReserve(reservation, limits, now, totals, out failedLimitIndex);

    void ISynchronousSpendStore.Settle(LedgerReservation reservation, decimal actual, ObservedTotals totals)
    {
        FailSettleIfDue();
        ((ISynchronousSpendStore)inner).Settle(reservation, actual, totals);
    }

    int ISynchronousSpendStore.Sweep(DateTimeOffset expiryNow, DateTimeOffset calendarNow) =>
        ((ISynchronousSpendStore)inner).Sweep(expiryNow, calendarNow);

    private void FailSettleIfDue()
    {
        SettleCalls++;
        if (SettleFailures > 0)
        {
            SettleFailures--;
            throw new IOException("store unavailable");
        }
    }
}
