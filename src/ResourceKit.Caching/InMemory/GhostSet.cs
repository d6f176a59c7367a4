namespace ResourceKit.Caching;

/// <summary>
/// A bounded first-in-first-out set of the hash codes of recently evicted keys (a "ghost" list, as
/// in ARC): it remembers which keys left, not their values. A hash added again while still
/// remembered counts once, from its latest addition. Not thread-safe: only the maintenance pass,
/// under the policy lock, touches it.
/// </summary>
internal sealed class GhostSet
{
    private readonly int[] _ring;

    // Each remembered hash maps to the ring slot of its latest addition, so that overwriting an older slot (one a ghost
    // hit already consumed, or one superseded by a later addition) forgets nothing that is still remembered.
    private readonly Dictionary<int, int> _slots;
    private int _next;
    private int _filled;

    /// <summary>Initializes a new instance of the <see cref="GhostSet"/> class that remembers up to <paramref name="capacity"/> hashes.</summary>
    public GhostSet(int capacity)
    {
        _ring = new int[capacity];
        _slots = new Dictionary<int, int>(capacity);
    }

    /// <summary>Gets how many hashes the set remembers at most.</summary>
    public int Capacity => _ring.Length;

    /// <summary>Remembers <paramref name="hashCode"/>, forgetting the oldest entry when full.</summary>
    public void Add(int hashCode)
    {
        if (_filled == _ring.Length)
        {
            var oldest = _ring[_next];
            if (_slots.TryGetValue(oldest, out var slot) && slot == _next)
            {
                _slots.Remove(oldest);
            }
        }
        else
        {
            _filled++;
        }

        _ring[_next] = hashCode;
        _slots[hashCode] = _next;
        _next = _next + 1 == _ring.Length ? 0 : _next + 1;
    }

    /// <summary>Returns whether <paramref name="hashCode"/> is remembered, and forgets it.</summary>
    public bool Remove(int hashCode) => _slots.Remove(hashCode);
}
