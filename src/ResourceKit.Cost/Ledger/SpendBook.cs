namespace ResourceKit.Cost.Ledger;

/// <summary>
/// The in-memory state shared by the memory and file stores. Not thread-safe: the owning store
/// serialises every call, which is what makes check-and-reserve atomic.
/// </summary>
internal sealed partial class SpendBook
{
    private readonly Dictionary<string, PeriodState> _periods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LedgerReservation> _reservations = new(StringComparer.Ordinal);
    private DateTimeOffset _earliestExpiry = DateTimeOffset.MaxValue;

    public int OpenReservations => _reservations.Count;

    public LedgerReserveResult TryReserve(LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now)
    {
        var buffer = ObservedTotals.ForAll(reservation.Counters.Count, out var totals);
        var granted = TryReserve(reservation, limits, now, buffer, out var failed);
        return new LedgerReserveResult(granted, failed, totals);
    }

    /// <summary>
    /// Checks every limit and holds the checked amount (the full estimate of a call, not a capped part of it): a hold
    /// counts against the limits what it was checked against for as long as it is outstanding, otherwise parallel
    /// callers would each see room that the others' calls may still spend. Writes the observed counters' totals into the two spans.
    /// </summary>
    public bool TryReserve(LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, ObservedTotals totals, out int failedLimitIndex)
    {
        Expire(now);
        var balances = Resolve(reservation.Counters);
        for (var i = 0; i < limits.Count; i++)
        {
            var balance = balances[limits[i].CounterIndex];
            if (balance.Committed + balance.Reserved + reservation.CheckedAmount > limits[i].Limit)
            {
                failedLimitIndex = i;
                CopyTotals(balances, totals);
                return false;
            }
        }

        if (!_reservations.TryAdd(reservation.Id, reservation))
        {
            throw new InvalidOperationException($"Reservation '{reservation.Id}' is already held.");
        }

        if (reservation.ExpiresAt < _earliestExpiry)
        {
            _earliestExpiry = reservation.ExpiresAt;
        }

        var held = reservation.CheckedAmount;
        foreach (var balance in balances)
        {
            balance.Reserved += held;
        }

        failedLimitIndex = -1;
        CopyTotals(balances, totals);
        return true;
    }

    public LedgerTotals Settle(LedgerReservation reservation, decimal actual)
    {
        Settle(reservation, actual, ObservedTotals.ForAll(reservation.Counters.Count, out var totals));
        return totals;
    }

    /// <summary>Releases the hold and commits <paramref name="actual"/>; writes the observed totals into the two spans.</summary>
    public void Settle(LedgerReservation reservation, decimal actual, ObservedTotals totals)
    {
        if (!_reservations.Remove(reservation.Id, out var held))
        {
            // Expired or released already: the money was spent all the same.
            Record(reservation.Counters, actual, totals);
            return;
        }

        if (!ReferenceEquals(held.Counters, reservation.Counters))
        {
            ReleaseHeld(held);
            Record(reservation.Counters, actual, totals);
            return;
        }

        // The usual case: the hold and the spend are on the same counters, so both change in one pass.
        var balances = Resolve(reservation.Counters);
        foreach (var balance in balances)
        {
            balance.Reserved -= held.CheckedAmount;
            balance.Committed += actual;
        }

        CopyTotals(balances, totals);
    }

    public bool Release(LedgerReservation reservation)
    {
        if (!_reservations.Remove(reservation.Id, out var held))
        {
            return false;
        }

        ReleaseHeld(held);
        return true;
    }

    /// <summary>
    /// Moves the expiry of a hold that has not expired at <paramref name="now"/>; an expired one that no sweep has
    /// released yet is refused too. The earliest-expiry hint stays (conservatively) as it was.
    /// </summary>
    public bool Extend(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        if (!_reservations.TryGetValue(reservation.Id, out var held) || held.ExpiresAt <= now)
        {
            return false;
        }

        _reservations[reservation.Id] = held with { ExpiresAt = expiresAt };
        return true;
    }

    public LedgerTotals Record(IReadOnlyList<LedgerCounter> counters, decimal amount)
    {
        Record(counters, amount, ObservedTotals.ForAll(counters.Count, out var totals));
        return totals;
    }

    /// <summary>Commits <paramref name="amount"/> on every counter; writes the observed totals into the two spans.</summary>
    public void Record(IReadOnlyList<LedgerCounter> counters, decimal amount, ObservedTotals totals)
    {
        var balances = Resolve(counters);
        foreach (var balance in balances)
        {
            balance.Committed += amount;
        }

        CopyTotals(balances, totals);
    }

    public int Expire(DateTimeOffset now)
    {
        // Every reserve calls this; the earliest expiry (kept conservatively low) spares the scan until
        // something can actually have expired.
        if (_reservations.Count == 0 || now < _earliestExpiry)
        {
            return 0;
        }

        List<LedgerReservation>? expired = null;
        var earliest = DateTimeOffset.MaxValue;
        foreach (var reservation in _reservations.Values)
        {
            if (reservation.ExpiresAt <= now)
            {
                (expired ??= []).Add(reservation);
            }
            else if (reservation.ExpiresAt < earliest)
            {
                earliest = reservation.ExpiresAt;
            }
        }

        _earliestExpiry = earliest;
        expired?.ForEach(r => Release(r));
        return expired?.Count ?? 0;
    }

    /// <summary>Releases expired reservations and forgets periods past their retention, both at <paramref name="now"/>.</summary>
    public int Sweep(DateTimeOffset now) => Sweep(now, now);

    /// <summary>
    /// Releases reservations expired at <paramref name="expiryNow"/> and forgets periods whose retention ended by
    /// <paramref name="calendarNow"/>: period ends are wall-clock instants, so they are compared with the wall clock.
    /// </summary>
    public int Sweep(DateTimeOffset expiryNow, DateTimeOffset calendarNow)
    {
        var expired = Expire(expiryNow);
        Prune(calendarNow);
        return expired;
    }

    public IReadOnlyList<LedgerBalance> GetBalances(string period) =>
        _periods.TryGetValue(period, out var state)
            ? state.Scopes.Select(s => new LedgerBalance(period, s.Key, s.Value.Committed, s.Value.Reserved)).ToList()
            : [];

    /// <summary>Returns every committed total, for a snapshot. Reservations are not persisted.</summary>
    public IEnumerable<(string Period, DateTimeOffset RetainUntil, string Scope, decimal Committed)> ExportCommitted() =>
        from p in _periods
        from s in p.Value.Scopes
        where s.Value.Committed != 0
        select (p.Key, p.Value.RetainUntil, s.Key, s.Value.Committed);

    private void ReleaseHeld(LedgerReservation held)
    {
        foreach (var balance in Resolve(held.Counters))
        {
            balance.Reserved -= held.CheckedAmount;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var removed = false;
        foreach (var (key, period) in _periods.ToList())
        {
            if (period.RetainUntil < now && !period.Scopes.Values.Any(b => b.Reserved != 0))
            {
                _periods.Remove(key);
                removed = true;
            }
        }

        if (removed)
        {
            // Cached resolutions may point at the forgotten balances.
            ForgetResolutions();
        }
    }

    private static void CopyTotals(Balance[] balances, ObservedTotals totals)
    {
        if (totals.Observed.IsEmpty)
        {
            for (var i = 0; i < balances.Length; i++)
            {
                totals.Committed[i] = balances[i].Committed;
                totals.Reserved[i] = balances[i].Reserved;
            }

            return;
        }

        foreach (var i in totals.Observed)
        {
            var balance = balances[i];
            totals.Committed[i] = balance.Committed;
            totals.Reserved[i] = balance.Reserved;
        }
    }

    private sealed class PeriodState(DateTimeOffset retainUntil)
    {
        public DateTimeOffset RetainUntil { get; set; } = retainUntil;

        public Dictionary<string, Balance> Scopes { get; } = new(StringComparer.Ordinal);
    }

    internal sealed class Balance
    {
        public decimal Committed { get; set; }

        public decimal Reserved { get; set; }
    }
}
