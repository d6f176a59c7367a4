using ResourceKit.Caching;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// Lets memory pressure trim the tiered cache's in-memory tier. The disk and Redis tiers keep their copies, so what is
/// trimmed is re-read from L2 on the next access rather than recomputed: the cheapest memory in the host to give back.
/// </summary>
/// <param name="cache">The cache.</param>
public sealed class TieredCacheReclaimer(TieredCache cache) : IMemoryReclaimer
{
    private readonly TieredCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <inheritdoc />
    public string Name => "tiered-cache-l1";

    /// <inheritdoc />
    /// <value>0: the first thing to trim.</value>
    public int Priority => 0;

    /// <inheritdoc />
    public long Trim(double fraction) => _cache.TrimMemory(fraction);
}
