namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>
/// Renames every key of a trace one-to-one, so a replay can be repeated with the same access pattern
/// but different hash codes, as real string or GUID keys would have.
/// </summary>
/// <remarks>
/// A policy's hit ratio on one labelling includes luck: which keys collide in a frequency sketch or
/// land in the same ghost slot depends on the hash. On a trace whose cold requests are uniform (2_pools),
/// two policies that keep the same number of cold keys differ on one labelling by tens of requests
/// either way; comparing them over many labellings separates that luck from a real difference.
/// </remarks>
internal static class KeyRelabelling
{
    /// <summary>Returns the trace with every key renamed by a bijection chosen by <paramref name="seed"/>.</summary>
    public static long[] Apply(long[] trace, ulong seed)
    {
        var renamed = new long[trace.Length];
        for (var i = 0; i < trace.Length; i++)
        {
            renamed[i] = (long)Mix((ulong)trace[i] ^ seed);
        }

        return renamed;
    }

    // SplitMix64's finalizer: each step (xor with a right shift of itself, multiplication by an odd constant) is
    // invertible on 64-bit integers, so distinct keys stay distinct and the access pattern is unchanged.
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
