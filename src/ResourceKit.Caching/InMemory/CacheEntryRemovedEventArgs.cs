namespace ResourceKit.Caching;

/// <summary>Describes an entry that left a <see cref="TinyLfuCache{TKey, TValue}"/>.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="key">The entry's key.</param>
/// <param name="value">The entry's value.</param>
/// <param name="cause">Why the entry left.</param>
public sealed class CacheEntryRemovedEventArgs<TKey, TValue>(TKey key, TValue value, CacheRemovalCause cause) : EventArgs
{
    /// <summary>Gets the entry's key.</summary>
    public TKey Key { get; } = key;

    /// <summary>Gets the entry's value.</summary>
    public TValue Value { get; } = value;

    /// <summary>Gets why the entry left.</summary>
    public CacheRemovalCause Cause { get; } = cause;
}
