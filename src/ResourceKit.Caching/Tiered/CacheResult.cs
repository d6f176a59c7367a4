namespace ResourceKit.Caching;

/// <summary>A value read from a <see cref="TieredCache"/>, with where it came from.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="Value">The value; <see langword="default"/> when <see cref="HasValue"/> is <see langword="false"/>.</param>
/// <param name="Source">The tier, the factory, or the fail-safe copy.</param>
public readonly record struct CacheResult<T>(T Value, CacheValueSource Source)
{
    /// <summary>Gets a value indicating whether a value was found or produced.</summary>
    public bool HasValue => Source != CacheValueSource.None;

    /// <summary>Gets a value indicating whether the value is an expired copy returned because the factory failed.</summary>
    public bool IsStale => Source == CacheValueSource.FailSafe;
}
