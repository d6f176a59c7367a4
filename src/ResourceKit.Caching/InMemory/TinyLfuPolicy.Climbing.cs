namespace ResourceKit.Caching;

/// <summary>How large the admission window may be, as fractions of capacity, and whether it adapts.</summary>
internal readonly record struct WindowLimits(double Initial, double Minimum, double Maximum, bool Adaptive);

/// <summary>
/// The adaptive window, plus resizing and trimming. Two "ghost" lists remember the hash codes of
/// the most recent evictions (each as many as <see cref="StepFraction"/> of capacity): candidates
/// that left through the window (rejected by admission, or evicted from the window) and victims
/// that left the main region. A miss on a key in the window's ghost list is a miss that a larger
/// window would have turned into a hit, one in the main region's list one that a larger main region
/// would have; each moves the window one entry toward the side that would have hit, as ARC sizes its
/// lists. Unlike a hill climber comparing the hit rates of consecutive samples, both kinds of
/// evidence come from the same requests, so a workload that changes phase faster than a sample
/// (the P12 trace in benchmarks/RESULTS.md) does not read as the effect of the last step. The
/// window moves at most <see cref="StepFraction"/> of capacity per sample (ten events per entry of
/// capacity, at least 10,000; an event is a write or a read record, and a read is recorded at most once
/// per entry and read epoch), so a small cache, where one entry is a large share, does not thrash.
/// </summary>
internal sealed partial class TinyLfuPolicy<TKey, TValue>
{
    private const double StepFraction = 0.08;
    private const int MinimumSample = 10_000;
    private const int MinimumGhosts = 8;

    private readonly WindowLimits _limits;
    private GhostSet? _windowGhosts;
    private GhostSet? _mainGhosts;
    private long _hitsInSample;
    private long _missesInSample;
    private long _pendingMoves;
    private long _movedInSample;
    private long _adjustment;

    /// <summary>Gets the window's share of capacity, 0 to 1.</summary>
    public double WindowFraction => Capacity == 0 ? 0 : (double)WindowMaximum / Capacity;

    /// <summary>Moves the window by the ghost hits seen since the last pass, within this sample's limit.</summary>
    public void Climb()
    {
        if (!_limits.Adaptive || !_sketch.IsInitialized)
        {
            _hitsInSample = 0;
            _missesInSample = 0;
            _pendingMoves = 0;
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

        // The sketch is not grown here: the next admission grows it once the cache is an eighth full of the new
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
        if (_hitsInSample + _missesInSample >= Math.Max(_sketch.SampleSize, MinimumSample))
        {
            _hitsInSample = 0;
            _missesInSample = 0;
            _movedInSample = 0;
        }

        // At least one entry, or a cache smaller than 13 entries would never adapt.
        var limit = Math.Max(1, (long)(StepFraction * Capacity));
        var wanted = _pendingMoves;
        _pendingMoves = 0;
        _adjustment = Math.Clamp(_movedInSample + wanted, -limit, limit) - _movedInSample;
    }

    /// <summary>Forgets the evictions remembered so far and the votes not yet applied, as after a clear.</summary>
    public void ForgetEvictions()
    {
        _windowGhosts = null;
        _mainGhosts = null;
        _pendingMoves = 0;
    }

    /// <summary>Remembers a node the policy chose to evict in the ghost list of the side it left from.</summary>
    /// <remarks>An expired entry or one heavier than the capacity left whatever the window's size, so it is no evidence either way.</remarks>
    private void RememberEvicted(CacheNode<TKey, TValue> node, bool windowSide, long now)
    {
        if (!_limits.Adaptive || node.ExpiresAt <= now || node.Weight > Capacity)
        {
            return;
        }

        // A weighted cache's capacity is a weight, not an entry count: size its lists by the entries it holds. The lists
        // are made again (forgetting what they held) when that size has since halved or doubled, after a Resize or as a
        // weighted cache's entries change size, so that they neither stop voting nor hold on to memory.
        var entries = _weighted ? NodeCount : Capacity;
        var size = Math.Max(MinimumGhosts, (int)Math.Min(StepFraction * entries, int.MaxValue >> 4));
        if (_windowGhosts is null || _mainGhosts is null || size > 2L * _windowGhosts.Capacity || 2L * size < _windowGhosts.Capacity)
        {
            _windowGhosts = new GhostSet(size);
            _mainGhosts = new GhostSet(size);
        }

        (windowSide ? _windowGhosts : _mainGhosts).Add(node.HashCode);
    }

    /// <summary>Counts a miss on a recently evicted key as a vote for the side that would have kept it.</summary>
    private void RecordGhostHit(int hashCode)
    {
        if (_windowGhosts is null || _mainGhosts is null)
        {
            return;
        }

        // One entry per vote; in a weighted cache, one average entry's weight.
        var delta = _weighted && NodeCount > 0 ? Math.Max(1, WeightedSize / NodeCount) : 1;
        if (_windowGhosts.Remove(hashCode))
        {
            _pendingMoves += delta;
        }
        else if (_mainGhosts.Remove(hashCode))
        {
            _pendingMoves -= delta;
        }
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

        // Only what actually moved counts against the sample's limit; votes against a window at its bound move nothing.
        _movedInSample += quota;
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

        _movedInSample -= quota;
        ProtectedMaximum += quota;
        WindowMaximum -= quota;
    }
}
