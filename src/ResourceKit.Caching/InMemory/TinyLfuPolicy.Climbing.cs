namespace ResourceKit.Caching;

/// <summary>How large the admission window may be, as fractions of capacity, and whether it adapts.</summary>
internal readonly record struct WindowLimits(double Initial, double Minimum, double Maximum, bool Adaptive);

/// <summary>
/// The hill climber that sizes the admission window, plus resizing and trimming. Every sample
/// (ten requests per entry of capacity, at least 10,000) it compares the sample's hit rate with
/// the previous sample's: if the last step helped it steps again in the same direction, otherwise
/// it turns round; the step (8 % of capacity) decays geometrically and restarts at full size when
/// the hit rate jumps (the workload changed). Recency-heavy workloads grow the window toward LRU,
/// frequency-heavy ones shrink it toward LFU. Unlike Caffeine's climber, it ignores samples taken
/// while the cache fills and changes smaller than one percentage point, which the trace replays
/// in benchmarks/RESULTS.md showed to be noise that cost hits.
/// </summary>
internal sealed partial class TinyLfuPolicy<TKey, TValue>
{
    private const double StepFraction = 0.08;
    private const double StepDecay = 0.98;
    private const double DeadBand = 0.01;
    private const double RestartThreshold = 0.05;
    private const int MinimumSample = 10_000;

    private readonly WindowLimits _limits;
    private long _hitsInSample;
    private long _missesInSample;
    private double _previousHitRate;
    private double _stepSize;
    private long _adjustment;
    private bool _baselineTaken;

    /// <summary>Gets the window's share of capacity, 0 to 1.</summary>
    public double WindowFraction => Capacity == 0 ? 0 : (double)WindowMaximum / Capacity;

    /// <summary>Runs one hill-climbing step when a full sample has been observed.</summary>
    public void Climb()
    {
        if (!_limits.Adaptive || !_sketch.IsInitialized)
        {
            _previousHitRate = 0;
            _hitsInSample = 0;
            _missesInSample = 0;
            return;
        }

        DetermineAdjustment();
        DemoteFromProtected();
        if (_adjustment > 0)
        {
            IncreaseWindow();
        }
        else if (_adjustment < 0)
        {
            DecreaseWindow();
        }
    }

    /// <summary>Changes the capacity, keeping the window's share; the caller evicts afterwards.</summary>
    public void SetCapacity(long capacity)
    {
        var fraction = Capacity == 0 ? _limits.Initial : WindowFraction;
        Capacity = capacity;
        WindowMaximum = Math.Clamp((long)(capacity * fraction), MinimumWindow, MaximumWindow);
        ProtectedMaximum = (long)(ProtectedFraction * (capacity - WindowMaximum));

        // The sketch is not grown here: the next admission grows it once the cache is a quarter full of the new
        // capacity (see Link), so raising the capacity to a huge value does not allocate a huge table under the lock.

        DemoteFromProtected();
    }

    /// <summary>
    /// Evicts about <paramref name="fraction"/> of the weighted size now, coldest first (probation
    /// head, then window head, then protected head); returns the weight removed.
    /// </summary>
    public long Trim(double fraction)
    {
        var target = WeightedSize - (long)Math.Ceiling(WeightedSize * fraction);
        var before = WeightedSize;
        foreach (var list in (AccessOrderList<TKey, TValue>[])[_probation, _window, _protected])
        {
            while (WeightedSize > target && list.First is { } node)
            {
                EvictNode(node, CacheRemovalCause.Evicted);
            }
        }

        return before - WeightedSize;
    }

    private long MinimumWindow => Math.Min(Capacity, Math.Max(1, (long)(Capacity * _limits.Minimum)));

    private long MaximumWindow => Math.Max(MinimumWindow, (long)(Capacity * _limits.Maximum));

    private void DetermineAdjustment()
    {
        var requests = _hitsInSample + _missesInSample;
        if (requests < Math.Max(_sketch.SampleSize, MinimumSample))
        {
            // Keep applying whatever part of the last adjustment could not be moved yet.
            return;
        }

        var hitRate = (double)_hitsInSample / requests;
        if (!_baselineTaken)
        {
            // The first full sample only sets the baseline: while the cache fills, the hit rate rises
            // whatever the window does, and climbing on it would push the window the wrong way.
            _hitsInSample = 0;
            _missesInSample = 0;
            if (WeightedSize >= Capacity)
            {
                _previousHitRate = hitRate;
                _baselineTaken = true;
            }

            return;
        }

        var change = hitRate - _previousHitRate;
        var amount = change >= 0 ? _stepSize : -_stepSize;
        _stepSize = Math.Abs(change) >= RestartThreshold
            ? StepFraction * Capacity * (amount >= 0 ? 1 : -1)
            : StepDecay * amount;
        _previousHitRate = hitRate;
        // A change inside the dead band is noise, not a signal. Then the window drifts back toward
        // its initial (frequency-biased) size, so a probe that bought nothing is undone instead of
        // left in place to cost hits; a looping scan, where any window is waste, suffers most.
        _adjustment = Math.Abs(change) < DeadBand ? TowardInitialWindow((long)Math.Abs(amount)) : (long)amount;
        _hitsInSample = 0;
        _missesInSample = 0;
    }

    private long TowardInitialWindow(long step)
    {
        var initial = Math.Clamp((long)(Capacity * _limits.Initial), MinimumWindow, MaximumWindow);
        return Math.Clamp(initial - WindowMaximum, -step, step);
    }

    private void IncreaseWindow()
    {
        // Only the limits move, in both directions. A larger window fills with new arrivals while the main region,
        // now over its share, loses its probation victims to eviction; pulling the coldest main entries into the
        // window instead (as Caffeine does) gave lower hit ratios in the trace replays, on sprite and P12 most of all.
        // A smaller window's overflow moves to probation at the next eviction pass, like any window overflow.
        var quota = Math.Min(_adjustment, Math.Min(ProtectedMaximum, MaximumWindow - WindowMaximum));
        _adjustment = 0;
        if (quota <= 0)
        {
            return;
        }

        ProtectedMaximum -= quota;
        WindowMaximum += quota;
        DemoteFromProtected();
    }

    private void DecreaseWindow()
    {
        var quota = Math.Min(-_adjustment, WindowMaximum - MinimumWindow);
        _adjustment = 0;
        if (quota <= 0)
        {
            return;
        }

        ProtectedMaximum += quota;
        WindowMaximum -= quota;
    }
}
