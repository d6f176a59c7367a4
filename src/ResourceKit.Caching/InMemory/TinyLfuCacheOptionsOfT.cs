namespace ResourceKit.Caching;

/// <summary>Options of a <see cref="TinyLfuCache{TKey, TValue}"/>, including the settings that only code can supply.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class TinyLfuCacheOptions<TKey, TValue> : TinyLfuCacheOptions
    where TKey : notnull
{
    /// <summary>Initializes a new instance of the <see cref="TinyLfuCacheOptions{TKey, TValue}"/> class with the defaults.</summary>
    public TinyLfuCacheOptions()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TinyLfuCacheOptions{TKey, TValue}"/> class with a copy of bound settings.</summary>
    /// <param name="source">The options to copy, for example bound from configuration.</param>
    public TinyLfuCacheOptions(TinyLfuCacheOptions source)
        : base(source)
    {
    }

    /// <summary>
    /// Gets or sets the function that weighs an entry (for example its size in bytes); weights must
    /// be zero or more. Called once per write. <see langword="null"/> weighs every entry 1, so
    /// <see cref="TinyLfuCacheOptions.Capacity"/> counts entries.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<TKey, TValue, long>? Weigher { get; set; }

    /// <summary>Gets or sets the key comparer; <see langword="null"/> for <see cref="EqualityComparer{T}.Default"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IEqualityComparer<TKey>? KeyComparer { get; set; }
}
