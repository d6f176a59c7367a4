namespace ResourceKit.Caching;

/// <summary>
/// The W-TinyLFU admission and eviction policy: an LRU admission window in front of a segmented
/// LRU main region (probation and protected), a <see cref="FrequencySketch"/> that decides
/// whether a window victim may displace a main-region victim, and ghost lists of recent evictions
/// whose later misses move capacity between window and main region (see
/// <c>TinyLfuPolicy.Climbing.cs</c>). Not thread-safe: the cache calls it only under its
/// maintenance lock. Evictions are reported through the callback, which removes the entry from
/// the map.
/// </summary>
internal sealed partial class TinyLfuPolicy<TKey, TValue>
    where TKey : notnull
{
    private const double ProtectedFraction = 0.80;
    private const int AdmitHashDosThreshold = 6;

    private readonly AccessOrderList<TKey, TValue> _window = new();
    private readonly AccessOrderList<TKey, TValue> _probation = new();
    private readonly AccessOrderList<TKey, TValue> _protected = new();
    private readonly FrequencySketch _sketch = new();
    private readonly Action<CacheNode<TKey, TValue>, CacheRemovalCause> _evict;
    private readonly bool _weighted;
    private uint _random = 0x9E3779B9;

    public TinyLfuPolicy(long capacity, bool weighted, WindowLimits limits, Action<CacheNode<TKey, TValue>, CacheRemovalCause> evict)
    {
        _weighted = weighted;
        _evict = evict;
        _limits = limits;
        SetCapacity(capacity);
    }

    public long Capacity { get; private set; }

    public long WeightedSize { get; private set; }

    public long WindowWeight { get; private set; }

    public long ProtectedWeight { get; private set; }

    public long WindowMaximum { get; private set; }

    public long ProtectedMaximum { get; private set; }

    public int NodeCount { get; private set; }

    /// <summary>Records a read of <paramref name="node"/> drained from the read buffer (at most about one per node and read epoch).</summary>
    public void OnAccess(CacheNode<TKey, TValue> node)
    {
        _sketch.Increment(node.HashCode);
        _hitsInSample++;
        Reorder(node);
    }

    /// <summary>Admits a newly written node into the window.</summary>
    public void OnAdd(CacheNode<TKey, TValue> node)
    {
        RecordGhostHit(node.HashCode);
        _sketch.Increment(node.HashCode);
        _missesInSample++;
        if (node.IsRetired || node.Region != NodeRegion.None)
        {
            return;
        }

        Link(node);
    }

    /// <summary>Puts <paramref name="replacement"/> in the place of the node it replaced in the map.</summary>
    public void OnReplace(CacheNode<TKey, TValue> node, CacheNode<TKey, TValue> replacement)
    {
        if (replacement.Region == NodeRegion.Gone)
        {
            // The replacement was itself removed or replaced, and that record was applied first: it takes no place.
            Unlink(node);
            node.Region = NodeRegion.Gone;
            return;
        }

        if (node.Region is NodeRegion.None or NodeRegion.Gone)
        {
            // The old node was evicted before its replacement was seen: admit the new one as a fresh write.
            node.Region = NodeRegion.Gone;
            OnAdd(replacement);
            return;
        }

        _sketch.Increment(replacement.HashCode);
        var delta = replacement.Weight - node.Weight;
        replacement.Region = node.Region;
        node.Region = NodeRegion.Gone;
        ListOf(replacement.Region).Replace(node, replacement);
        WeightedSize += delta;
        if (replacement.Region == NodeRegion.Window)
        {
            WindowWeight += delta;
        }
        else if (replacement.Region == NodeRegion.Protected)
        {
            ProtectedWeight += delta;
        }

        Reorder(replacement);
    }

    /// <summary>Forgets a node that was removed from the map (explicitly, by expiry, or by replacement).</summary>
    public void OnRemove(CacheNode<TKey, TValue> node)
    {
        Unlink(node);
        node.Region = NodeRegion.Gone;
    }

    /// <summary>Evicts until the weighted size is within capacity.</summary>
    public void Evict(long now)
    {
        var candidate = EvictFromWindow();
        EvictFromMain(candidate, now);
    }

    /// <summary>Evicts every expired node in the policy; returns how many it found.</summary>
    public int EvictExpired(long now)
    {
        var found = EvictExpired(_window, now);
        found += EvictExpired(_probation, now);
        found += EvictExpired(_protected, now);
        return found;
    }

    /// <summary>Enumerates every linked node; used by invariant checks.</summary>
    public IEnumerable<CacheNode<TKey, TValue>> Nodes()
    {
        foreach (var list in (AccessOrderList<TKey, TValue>[])[_window, _probation, _protected])
        {
            for (var node = list.First; node is not null; node = node.Next)
            {
                yield return node;
            }
        }
    }

    private int EvictExpired(AccessOrderList<TKey, TValue> list, long now)
    {
        var found = 0;
        var node = list.First;
        while (node is not null)
        {
            var next = node.Next;
            if (node.ExpiresAt <= now)
            {
                EvictNode(node, CacheRemovalCause.Expired);
                found++;
            }

            node = next;
        }

        return found;
    }

    private void Reorder(CacheNode<TKey, TValue> node)
    {
        switch (node.Region)
        {
            case NodeRegion.Window:
                _window.MoveToEnd(node);
                break;
            case NodeRegion.Probation:
                // A hit on probation earns the entry a place in the protected segment.
                if (node.Weight > ProtectedMaximum)
                {
                    _probation.MoveToEnd(node);
                    break;
                }

                _probation.Remove(node);
                _protected.AddLast(node);
                node.Region = NodeRegion.Protected;
                ProtectedWeight += node.Weight;
                DemoteFromProtected();
                break;
            case NodeRegion.Protected:
                _protected.MoveToEnd(node);
                break;
            default:
                break;
        }
    }

    private void Link(CacheNode<TKey, TValue> node)
    {
        node.Region = NodeRegion.Window;
        _window.AddLast(node);
        WindowWeight += node.Weight;
        WeightedSize += node.Weight;
        NodeCount++;

        // The sketch is allocated lazily, once the cache is an eighth full, so caches that stay small stay small.
        // Not at half (Caffeine's point) nor at a quarter: with the ghost-driven window, counting from an eighth won
        // the most trace-replay pairs against ConcurrentLfu over eight relabellings of the trace keys, and
        // allocating at once (as BitFaster does) cost multi2 up to 0.7 pp.
        if (WeightedSize >= Capacity >> 3)
        {
            _sketch.EnsureCapacity((_weighted ? NodeCount : Capacity));
        }
    }

    private void Unlink(CacheNode<TKey, TValue> node)
    {
        switch (node.Region)
        {
            case NodeRegion.Window:
                _window.Remove(node);
                WindowWeight -= node.Weight;
                break;
            case NodeRegion.Probation:
                _probation.Remove(node);
                break;
            case NodeRegion.Protected:
                _protected.Remove(node);
                ProtectedWeight -= node.Weight;
                break;
            default:
                return;
        }

        node.Region = NodeRegion.None;
        WeightedSize -= node.Weight;
        NodeCount--;
    }

    private void EvictNode(CacheNode<TKey, TValue> node, CacheRemovalCause cause)
    {
        Unlink(node);
        _evict(node, cause);
    }

    private AccessOrderList<TKey, TValue> ListOf(NodeRegion region) => region switch
    {
        NodeRegion.Window => _window,
        NodeRegion.Probation => _probation,
        _ => _protected,
    };

    private void DemoteFromProtected()
    {
        while (ProtectedWeight > ProtectedMaximum && _protected.First is { } demoted)
        {
            _protected.Remove(demoted);
            _probation.AddLast(demoted);
            demoted.Region = NodeRegion.Probation;
            ProtectedWeight -= demoted.Weight;
        }
    }

    /// <summary>Moves window overflow to the probation tail; returns the first moved node (the first candidate).</summary>
    private CacheNode<TKey, TValue>? EvictFromWindow()
    {
        CacheNode<TKey, TValue>? first = null;
        var node = _window.First;
        while (WindowWeight > WindowMaximum && node is not null)
        {
            var next = node.Next;
            if (node.Weight != 0)
            {
                _window.Remove(node);
                _probation.AddLast(node);
                node.Region = NodeRegion.Probation;
                WindowWeight -= node.Weight;
                first ??= node;
            }

            node = next;
        }

        return first;
    }

    /// <summary>
    /// Evicts until within capacity, each time pitting the next candidate (newest arrivals from the
    /// window, now at the probation tail) against the next victim (the probation head): the one
    /// the sketch says is less popular leaves.
    /// </summary>
    private void EvictFromMain(CacheNode<TKey, TValue>? candidate, long now)
    {
        var victimRegion = NodeRegion.Probation;
        var candidateRegion = NodeRegion.Probation;
        var victim = _probation.First;
        while (WeightedSize > Capacity)
        {
            if (candidate is null && candidateRegion == NodeRegion.Probation)
            {
                candidate = _window.First;
                candidateRegion = NodeRegion.Window;
            }

            if (candidate is null && victim is null)
            {
                if (victimRegion == NodeRegion.Probation)
                {
                    victim = _protected.First;
                    victimRegion = NodeRegion.Protected;
                    continue;
                }

                if (victimRegion == NodeRegion.Protected)
                {
                    victim = _window.First;
                    victimRegion = NodeRegion.Window;
                    continue;
                }

                break;
            }

            if (victim is null)
            {
                var next = candidate!.Next;
                RememberEvicted(candidate, windowSide: true, now);
                EvictNode(candidate, CauseFor(candidate, now));
                candidate = next;
                continue;
            }

            if (candidate is null)
            {
                var next = victim.Next;
                RememberEvicted(victim, windowSide: victim.Region == NodeRegion.Window, now);
                EvictNode(victim, CauseFor(victim, now));
                victim = next;
                continue;
            }

            if (ReferenceEquals(candidate, victim))
            {
                victim = victim.Next;
                RememberEvicted(candidate, windowSide: true, now);
                EvictNode(candidate, CauseFor(candidate, now));
                candidate = null;
                continue;
            }

            if (candidate.ExpiresAt <= now || candidate.Weight > Capacity)
            {
                var next = candidate.Next;
                RememberEvicted(candidate, windowSide: true, now);
                EvictNode(candidate, CauseFor(candidate, now));
                candidate = next;
                continue;
            }

            if (victim.ExpiresAt <= now)
            {
                var next = victim.Next;
                EvictNode(victim, CacheRemovalCause.Expired);
                victim = next;
                continue;
            }

            if (Admit(candidate, victim))
            {
                var evicted = victim;
                victim = victim.Next;
                RememberEvicted(evicted, windowSide: false, now);
                EvictNode(evicted, CacheRemovalCause.Evicted);
                candidate = candidate.Next;
            }
            else
            {
                var evicted = candidate;
                candidate = candidate.Next;
                RememberEvicted(evicted, windowSide: true, now);
                EvictNode(evicted, CacheRemovalCause.Evicted);
            }
        }
    }

    private static CacheRemovalCause CauseFor(CacheNode<TKey, TValue> node, long now) =>
        node.ExpiresAt <= now ? CacheRemovalCause.Expired : CacheRemovalCause.Evicted;

    private bool Admit(CacheNode<TKey, TValue> candidate, CacheNode<TKey, TValue> victim)
    {
        var victimFrequency = _sketch.Frequency(victim.HashCode);
        var candidateFrequency = _sketch.Frequency(candidate.HashCode);
        if (candidateFrequency > victimFrequency)
        {
            return true;
        }

        if (candidateFrequency >= AdmitHashDosThreshold)
        {
            // A small random chance stops an attacker from pinning a hot victim with colliding keys.
            _random ^= _random << 13;
            _random ^= _random >> 17;
            _random ^= _random << 5;
            return (_random & 127) == 0;
        }

        return false;
    }
}
