using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ResourceKit.Caching;

/// <summary>
/// Ordinal string equality with a fast seeded hash (XXH3 over the characters), used by the in-memory cache's map when
/// its keys are strings compared the default (ordinal) way.
/// </summary>
/// <remarks>
/// <see cref="string.GetHashCode()"/> is Marvin, randomized per process, and costs about as much as the rest of a hit on
/// a 32-character key; <c>ConcurrentDictionary</c> avoids it with an internal non-randomized comparer that it swaps
/// for Marvin when one bucket grows too long. XXH3 with a seed drawn per cache is several times faster than Marvin
/// and, because an attacker does not know the seed, still does not let chosen keys pile into one bucket.
/// </remarks>
internal sealed class SeededStringComparer : IEqualityComparer<string>
{
    private readonly long _seed = Random.Shared.NextInt64();

    /// <inheritdoc/>
    public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal);

    /// <inheritdoc/>
    public int GetHashCode(string obj) => (int)XxHash3.HashToUInt64(MemoryMarshal.AsBytes(obj.AsSpan()), _seed);
}
