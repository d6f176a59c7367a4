namespace ResourceKit.Caching;

/// <summary>
/// A bounded first-in-first-out set of the hash codes of recently evicted keys (a "ghost" list, as
/// in ARC): it remembers which keys left, not their values. Not thread-safe: only the maintenance
/// pass, under the policy lock, touches it.
/// </summary>
internal sealed class GhostSet(int capacity)
{
    private readonly int[] _ring = new int[capacity];
    private readonly Dictionary<int, int> _counts = new(capacity);
    private int _next;
    private int _filled;

    /// <summary>Remembers <paramref name="hashCode"/>, forgetting the oldest entry when full.</summary>
    public void Add(int hashCode)
    {
        if (_filled == _ring.Length)
        {
            Forget(_ring[_next]);
        }
        else
        {
            _filled++;
        }

        _ring[_next] = hashCode;
        _counts[hashCode] = _counts.TryGetValue(hashCode, out var count) ? count + 1 : 1;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
    }

    /// <summary>Returns whether <paramref name="hashCode"/> is remembered, and forgets one occurrence of it.</summary>
    public bool Remove(int hashCode)
    {
        if (!_counts.ContainsKey(hashCode))
        {
            return false;
        }

        Forget(hashCode);
        return true;
    }

    private void Forget(int hashCode)
    {
        if (!_counts.TryGetValue(hashCode, out var count))
        {
            return;
        }

        if (count <= 1)
        {
            _counts.Remove(hashCode);
        }
        else
        {
            _counts[hashCode] = count - 1;
        }
    }
}
