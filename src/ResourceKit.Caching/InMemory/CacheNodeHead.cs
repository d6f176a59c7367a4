namespace ResourceKit.Caching;

/// <summary>
/// The fields of a <see cref="CacheNode{TKey, TValue}"/> that a hit reads: the key, its hash, the bucket link, the
/// read epoch and the value. The runtime lays out a base class's fields before its subclass's, so keeping them here
/// puts them next to the object header, usually in one cache line. Spread over the whole node (the runtime orders a
/// class's own fields by size), a hit touched two lines per node, and with many hot keys the extra line is what
/// separated the hit from a <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/> lookup.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="key">The key.</param>
/// <param name="value">The value.</param>
/// <param name="hashCode">The key's hash in the map.</param>
internal abstract class CacheNodeHead<TKey, TValue>(TKey key, TValue value, int hashCode)
    where TKey : notnull
{
#pragma warning disable SA1401 // Fields should be private: read and written lock-free by reference (see the members).
    /// <summary>The next node in this node's bucket of the map; written under the bucket's stripe lock, read without one.</summary>
    /// <remarks>A field, so the map's lock-free lookup can read it with <see cref="Volatile.Read{T}(ref readonly T)"/>.</remarks>
    public CacheNode<TKey, TValue>? NextInBucket;

    /// <summary>The value; replaced in place only by <see cref="CacheNode{TKey, TValue}.TryUpdateValue"/>.</summary>
    private protected TValue ValueField = value;
#pragma warning restore SA1401

    /// <summary>Gets the key.</summary>
    public TKey Key { get; } = key;

    /// <summary>Gets the cached value.</summary>
    public TValue Value => ValueField;

    /// <summary>Gets the key's hash in the map.</summary>
    public int HashCode { get; } = hashCode;

    /// <summary>
    /// Gets or sets the cache's read epoch (see <c>TinyLfuCache</c>) in which a read of this node was last recorded for
    /// the policy, or 0 if none is. A hit that finds the current epoch here records nothing, so a hot entry costs one
    /// compare rather than a store per read, and its cache line stays shared between the cores reading it. For a node
    /// that can expire the sign bit is set as well: epochs are positive, so the hit's fast path, which compares this
    /// with the epoch alone, never matches such a node and never skips its expiry check. Plain reads and writes: a race
    /// records an entry twice or not at all in one epoch, which the lossy read buffer allows anyway.
    /// </summary>
    public int ReadEpoch { get; set; }
}
