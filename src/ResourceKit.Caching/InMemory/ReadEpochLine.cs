using System.Runtime.InteropServices;

namespace ResourceKit.Caching;

/// <summary>
/// The cache's read epoch (see <c>CacheNode.ReadEpoch</c>), alone on its cache line because every hit reads it and only
/// a maintenance pass writes it. Carries a second copy for the hit's fast path, so that one compare also covers the
/// cache's options: a cache that counts hits keeps that copy at a value no node ever carries, and its hits take the
/// slow path, which counts them, without the fast path testing a flag.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct ReadEpochLine
{
    /// <summary>A value no node's mark takes: epochs start at 1, so a mark with the sign bit set is never the sign bit alone.</summary>
    public const int NeverMatches = int.MinValue;

    /// <summary>The current epoch, between 1 and <see cref="int.MaxValue"/>.</summary>
    [FieldOffset(64)]
    public int Current;

    /// <summary>What a hit's fast path compares a node's mark with: <see cref="Current"/>, or <see cref="NeverMatches"/>.</summary>
    [FieldOffset(68)]
    public int FastHit;
}
