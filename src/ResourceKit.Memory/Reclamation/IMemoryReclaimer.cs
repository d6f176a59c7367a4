namespace ResourceKit.Memory.Reclamation;

/// <summary>
/// Something that can give memory back when asked: a cache, a pool, a set of lazily loaded components.
/// Register it with <see cref="MemoryReclamation"/> (or in DI) and it is trimmed under memory pressure.
/// </summary>
public interface IMemoryReclaimer
{
    /// <summary>Gets a short name used in logs and metrics.</summary>
    string Name { get; }

    /// <summary>
    /// Gets the order in which reclaimers are asked: lower values first. Give cheap-to-rebuild state (caches of
    /// derived data) a low value and expensive state (warm connections, loaded models) a high one.
    /// </summary>
    int Priority { get; }

    /// <summary>Releases about <paramref name="fraction"/> of what this reclaimer holds.</summary>
    /// <param name="fraction">The share to release, between 0 and 1 (0.25 at Critical, 0.5 at Emergency by default).</param>
    /// <returns>The bytes released, as best the reclaimer can estimate; 0 when unknown.</returns>
    long Trim(double fraction);
}
