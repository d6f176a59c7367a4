namespace ResourceKit.Caching;

/// <summary>Why an entry left a <see cref="TinyLfuCache{TKey, TValue}"/>.</summary>
public enum CacheRemovalCause
{
    /// <summary>The policy evicted it to keep the cache within capacity, or <c>Trim</c> reclaimed it.</summary>
    Evicted,

    /// <summary>Its time-to-live or idle time ran out.</summary>
    Expired,

    /// <summary>It was removed explicitly (by key, by predicate or by <c>Clear</c>).</summary>
    Removed,

    /// <summary>A new value was written for its key.</summary>
    Replaced,
}
