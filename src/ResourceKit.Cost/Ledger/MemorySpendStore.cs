namespace ResourceKit.Cost.Ledger;

/// <summary>
/// A spend store held in process memory: fast, atomic under one lock, and lost on restart. Use it for tests
/// and short-lived hosts; use <see cref="FileSpendStore"/> or <see cref="RedisSpendStore"/> to survive restarts.
/// </summary>
public sealed class MemorySpendStore : ISpendStore, ISynchronousSpendStore
{
    private readonly Lock _gate = new();
    private readonly SpendBook _book = new();

    /// <summary>Gets the number of reservations currently held.</summary>
    public int OpenReservations
    {
        get
        {
            lock (_gate)
            {
                return _book.OpenReservations;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(limits);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.TryReserve(reservation, limits, now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.Settle(reservation, actual));
        }
    }

    /// <inheritdoc/>
    bool ISynchronousSpendStore.TryReserve(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, ObservedTotals totals, out int failedLimitIndex)
    {
        lock (_gate)
        {
            return _book.TryReserve(reservation, limits, now, totals, out failedLimitIndex);
        }
    }

    /// <inheritdoc/>
    void ISynchronousSpendStore.Settle(LedgerReservation reservation, decimal actual, ObservedTotals totals)
    {
        lock (_gate)
        {
            _book.Settle(reservation, actual, totals);
        }
    }

    /// <inheritdoc/>
    int ISynchronousSpendStore.Sweep(DateTimeOffset expiryNow, DateTimeOffset calendarNow)
    {
        lock (_gate)
        {
            return _book.Sweep(expiryNow, calendarNow);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.Release(reservation));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.Extend(reservation, expiresAt, now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counters);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.Record(counters, amount));
        }
    }

    /// <inheritdoc/>
    public ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_book.Sweep(now));
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(period);
        lock (_gate)
        {
            return ValueTask.FromResult(_book.GetBalances(period));
        }
    }
}
