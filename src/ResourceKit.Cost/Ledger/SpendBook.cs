namespace ResourceKit.Cost.Ledger;

/// <summary>
/// The in-memory state shared by the memory and file stores. Not thread-safe: the owning store
/// serialises every call, which is what makes check-and-reserve atomic.
/// </summary>
internal sealed class SpendBook
{
    private readonly Dictionary<string, PeriodState> _periods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LedgerReservation> _reservations = new(StringComparer.Ordinal);

    public int OpenReservations => _reservations.Count;

    public LedgerReserveResult TryReserve(LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now)
    {
        Expire(now);
        var balances = Resolve(reservation.Counters);
        for (var i = 0; i < limits.Count; i++)
        {
            var balance = balances[limits[i].CounterIndex];
            if (balance.Committed + balance.Reserved + reservation.Amount > limits[i].Limit)
            {
                return new LedgerReserveResult(false, i, Totals(balances));
            }
        }

        if (!_reservations.TryAdd(reservation.Id, reservation))
        {
            throw new InvalidOperationException($"Reservation '{reservation.Id}' is already held.");
        }

        foreach (var balance in balances)
        {
            balance.Reserved += reservation.Amount;
        }

        return new LedgerReserveResult(true, -1, Totals(balances));
    }

    public LedgerTotals Settle(LedgerReservation reservation, decimal actual)
    {
        Release(reservation);
        return Record(reservation.Counters, actual);
    }

    public bool Release(LedgerReservation reservation)
    {
        if (!_reservations.Remove(reservation.Id, out var held))
        {
            return false;
        }

        foreach (var balance in Resolve(held.Counters))
        {
            balance.Reserved -= held.Amount;
        }

        return true;
    }

    public LedgerTotals Record(IReadOnlyList<LedgerCounter> counters, decimal amount)
    {
        var balances = Resolve(counters);
        foreach (var balance in balances)
        {
            balance.Committed += amount;
        }

        return Totals(balances);
    }

    public int Expire(DateTimeOffset now)
    {
        if (_reservations.Count == 0)
        {
            return 0;
        }

        List<LedgerReservation>? expired = null;
        foreach (var reservation in _reservations.Values)
        {
            if (reservation.ExpiresAt <= now)
            {
                (expired ??= []).Add(reservation);
            }
        }

        expired?.ForEach(r => Release(r));
        return expired?.Count ?? 0;
    }

    /// <summary>Releases expired reservations and forgets periods past their retention.</summary>
    public int Sweep(DateTimeOffset now)
    {
        var expired = Expire(now);
        Prune(now);
        return expired;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, period) in _periods.ToList())
        {
            if (period.RetainUntil < now && !period.Scopes.Values.Any(b => b.Reserved != 0))
            {
                _periods.Remove(key);
            }
        }
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

    private Balance[] Resolve(IReadOnlyList<LedgerCounter> counters)
    {
        var balances = new Balance[counters.Count];
        for (var i = 0; i < counters.Count; i++)
        {
            var counter = counters[i];
            if (!_periods.TryGetValue(counter.Period, out var period))
            {
                period = new PeriodState(counter.RetainUntil);
                _periods.Add(counter.Period, period);
            }
            else if (counter.RetainUntil > period.RetainUntil)
            {
                period.RetainUntil = counter.RetainUntil;
            }

            if (!period.Scopes.TryGetValue(counter.Scope, out var balance))
            {
                balance = new Balance();
                period.Scopes.Add(counter.Scope, balance);
            }

            balances[i] = balance;
        }

        return balances;
    }

    private static LedgerTotals Totals(Balance[] balances) =>
        new(Array.ConvertAll(balances, b => b.Committed), Array.ConvertAll(balances, b => b.Reserved));

    private sealed class PeriodState(DateTimeOffset retainUntil)
    {
        public DateTimeOffset RetainUntil { get; set; } = retainUntil;

        public Dictionary<string, Balance> Scopes { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Balance
    {
        public decimal Committed { get; set; }

        public decimal Reserved { get; set; }
    }
}
