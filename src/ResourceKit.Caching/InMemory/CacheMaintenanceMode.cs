namespace ResourceKit.Caching;

/// <summary>Where a <see cref="TinyLfuCache{TKey, TValue}"/> runs its maintenance (buffer draining, eviction, window tuning).</summary>
public enum CacheMaintenanceMode
{
    /// <summary>On the thread pool, one pass at a time, so callers never wait for policy work (the default).</summary>
    Background,

    /// <summary>
    /// On the calling thread, right after each write the policy must see (an add, a replacement by a new entry, a
    /// removal; not an update in place, which counts as a read) and whenever a read buffer fills. Deterministic:
    /// single-threaded replays and tests see exactly the same evictions every run.
    /// </summary>
    Foreground,
}
