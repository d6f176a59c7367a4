namespace ResourceKit.Cost.Ledger;

/// <content>
/// Finding the balances behind a list of counters. A ledger passes the same counter list (one per attribution
/// and hour) on every call, so resolved balances are cached instead of looking up two string-keyed
/// dictionaries per counter on each reserve, release and settle: on the list itself for a
/// <see cref="LedgerCounterList"/>, which cannot change, and otherwise by list identity, checked against a
/// copy of the counters.
/// </content>
internal sealed partial class SpendBook
{
    private const int MaxResolutions = 1024;

    private readonly Dictionary<IReadOnlyList<LedgerCounter>, Resolution> _resolutions = new(ReferenceEqualityComparer.Instance);
    private Resolution? _lastResolution;
    private int _generation;

    private Balance[] Resolve(IReadOnlyList<LedgerCounter> counters)
    {
        if (counters is LedgerCounterList frozen)
        {
            var resolved = frozen.Resolved;
            if (resolved is not null && ReferenceEquals(resolved.Book, this) && resolved.Generation == _generation)
            {
                return resolved.Balances;
            }

            var balances = ResolveEach(counters);
            frozen.Resolved = new Resolution(this, _generation, counters, [], balances);
            return balances;
        }

        var last = _lastResolution;
        if (last is not null && ReferenceEquals(last.Source, counters) && last.Matches(counters))
        {
            return last.Balances;
        }

        if (_resolutions.TryGetValue(counters, out var cached) && cached.Matches(counters))
        {
            _lastResolution = cached;
            return cached.Balances;
        }

        var fresh = ResolveEach(counters);
        if (_resolutions.Count >= MaxResolutions)
        {
            _resolutions.Clear();
        }

        // The copy guards against a caller that changes its list after passing it.
        var resolution = new Resolution(this, _generation, counters, [.. counters], fresh);
        _resolutions[counters] = resolution;
        _lastResolution = resolution;
        return fresh;
    }

    private void ForgetResolutions()
    {
        _generation++;
        _resolutions.Clear();
        _lastResolution = null;
    }

    private Balance[] ResolveEach(IReadOnlyList<LedgerCounter> counters)
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

    /// <summary>
    /// The balances of one counter list. Valid while the list still holds the same counters and no period has
    /// been pruned since (pruning moves to a new generation); the retention extension was applied when it was made.
    /// </summary>
    internal sealed class Resolution(SpendBook book, int generation, IReadOnlyList<LedgerCounter> source, LedgerCounter[] counters, Balance[] balances)
    {
        public SpendBook Book { get; } = book;

        public int Generation { get; } = generation;

        public IReadOnlyList<LedgerCounter> Source { get; } = source;

        public Balance[] Balances { get; } = balances;

        public bool Matches(IReadOnlyList<LedgerCounter> current)
        {
            if (current.Count != counters.Length)
            {
                return false;
            }

            if (current is LedgerCounter[] array)
            {
                for (var i = 0; i < counters.Length; i++)
                {
                    if (!Same(counters[i], array[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            for (var i = 0; i < counters.Length; i++)
            {
                if (!Same(counters[i], current[i]))
                {
                    return false;
                }
            }

            return true;
        }

        // Ledger counters share their strings, so these are reference checks in the common case.
        private static bool Same(in LedgerCounter expected, in LedgerCounter actual) =>
            string.Equals(expected.Period, actual.Period, StringComparison.Ordinal)
            && string.Equals(expected.Scope, actual.Scope, StringComparison.Ordinal)
            && expected.RetainUntil == actual.RetainUntil;
    }
}
