namespace ResourceKit.Caching;

/// <summary>Which policy region a node sits in.</summary>
internal enum NodeRegion : byte
{
    /// <summary>Not linked: not yet admitted by maintenance, or already unlinked.</summary>
    None,

    /// <summary>The admission window (an LRU of recent arrivals).</summary>
    Window,

    /// <summary>The main region's probation segment (candidates for eviction).</summary>
    Probation,

    /// <summary>The main region's protected segment (entries hit while on probation).</summary>
    Protected,

    /// <summary>
    /// Never to be linked: its removal or replacement was applied while it was not linked. Write records of one node
    /// can be drained out of order (its removal before the replacement that created it), and linking it then would
    /// leave a node in the policy that the map no longer holds.
    /// </summary>
    Gone,
}

/// <summary>
/// One cache entry: an immutable key/value/weight plus mutable expiry and the intrusive links of
/// the policy's access-order lists. A replaced value gets a new node, so readers never see a torn
/// value; the links and <see cref="Region"/> are touched only under the policy lock.
/// </summary>
internal sealed class CacheNode<TKey, TValue>(TKey key, TValue value, long weight, int hashCode, long writeDeadline, long expiresAt)
    where TKey : notnull
{
    private const int AliveState = 0;
    private const int RetiredState = 1;

    private long _expiresAt = expiresAt;
    private int _state;

    public TKey Key { get; } = key;

    public TValue Value { get; } = value;

    public long Weight { get; } = weight;

    public int HashCode { get; } = hashCode;

    /// <summary>Gets the absolute expiry from the write (time-to-live); <see cref="long.MaxValue"/> if none.</summary>
    public long WriteDeadline { get; } = writeDeadline;

    /// <summary>Gets the timestamp at or after which the entry is expired; <see cref="long.MaxValue"/> if never.</summary>
    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    /// <summary>Gets a value indicating whether the node has been removed from the map.</summary>
    public bool IsRetired => Volatile.Read(ref _state) != AliveState;

    /// <summary>The next node in this node's bucket of the map; written under the bucket's stripe lock, read without one.</summary>
    /// <remarks>A field, so the map's lock-free lookup can read it with <see cref="Volatile.Read{T}(ref readonly T)"/>.</remarks>
#pragma warning disable SA1401 // Fields should be private: see the remarks.
    public CacheNode<TKey, TValue>? NextInBucket;
#pragma warning restore SA1401

    /// <summary>
    /// Gets or sets the cache's read epoch (see <c>TinyLfuCache</c>) in which a read of this node was last recorded for
    /// the policy, or 0 if none is. A hit that finds the current epoch here records nothing, so a hot entry costs one
    /// compare rather than a store per read, and its cache line stays shared between the cores reading it. For a node
    /// that can expire the sign bit is set as well: epochs are positive, so the hit's fast path, which compares this
    /// with the epoch alone, never matches such a node and never skips its expiry check. Plain reads and writes: a race
    /// records an entry twice or not at all in one epoch, which the lossy read buffer allows anyway.
    /// </summary>
    public int ReadEpoch { get; set; }

    public NodeRegion Region { get; set; }

    public CacheNode<TKey, TValue>? Previous { get; set; }

    public CacheNode<TKey, TValue>? Next { get; set; }

    /// <summary>Moves the expiry on a read (expire-after-access); a lost race only costs a slightly earlier expiry.</summary>
    public void SetExpiresAt(long timestamp) => Volatile.Write(ref _expiresAt, timestamp);

    /// <summary>Marks the node removed from the map; returns false if it already was.</summary>
    public bool TryRetire() => Interlocked.Exchange(ref _state, RetiredState) == AliveState;
}
