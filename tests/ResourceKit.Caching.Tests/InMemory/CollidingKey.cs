namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>
/// A value-type key whose every value has one hash code, so with the default comparer (the cache's lock-free hit path)
/// every key lands in one bucket chain of the cache's map.
/// </summary>
/// <param name="Value">The key's identity.</param>
internal readonly record struct CollidingKey(int Value)
{
    /// <inheritdoc/>
    public override int GetHashCode() => 42;
}
