namespace ResourceKit.Caching;

/// <summary>The tiers a cache policy places its values in.</summary>
[Flags]
public enum CacheTiers
{
    /// <summary>No tier: values are never cached.</summary>
    None = 0,

    /// <summary>L1, the in-process W-TinyLFU memory cache.</summary>
    Memory = 1,

    /// <summary>L2, the local disk.</summary>
    Disk = 2,

    /// <summary>L3, the distributed store (Redis) shared by every host.</summary>
    Distributed = 4,

    /// <summary>All three tiers.</summary>
    All = Memory | Disk | Distributed,
}
