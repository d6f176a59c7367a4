namespace ResourceKit.Caching;

/// <summary>Where a value returned by <see cref="TieredCache"/> came from.</summary>
public enum CacheValueSource
{
    /// <summary>No value was found.</summary>
    None = 0,

    /// <summary>L1, the memory tier.</summary>
    Memory,

    /// <summary>L2, the local disk.</summary>
    Disk,

    /// <summary>L3, the distributed store.</summary>
    Distributed,

    /// <summary>The factory produced it just now.</summary>
    Factory,

    /// <summary>The factory failed and an expired value was returned instead (fail-safe); it is stale.</summary>
    FailSafe,
}
