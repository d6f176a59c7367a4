using System.Numerics;

namespace ResourceKit.Caching;

/// <summary>
/// A count-min sketch of 4-bit counters that estimates how often a key was seen recently
/// (the "TinyLFU" frequency filter). Each key maps to one 64-byte block of eight longs and
/// uses one counter in four of them, so an increment touches a single cache line. After
/// <see cref="SampleSize"/> increments every counter is halved, so old popularity fades.
/// Not thread-safe: only the maintenance pass, under the policy lock, touches it.
/// </summary>
internal sealed class FrequencySketch
{
    private const long ResetMask = 0x7777777777777777L;
    private const long OneMask = 0x1111111111111111L;

    private long[] _table = [];
    private int _blockMask;
    private int _size;

    /// <summary>Gets the number of increments after which every counter is halved.</summary>
    public int SampleSize { get; private set; } = 10;

    /// <summary>Gets a value indicating whether the table has been allocated (it is, lazily, once the cache is an eighth full).</summary>
    public bool IsInitialized => _table.Length != 0;

    /// <summary>Sizes the table for about <paramref name="maximumSize"/> distinct keys; never shrinks.</summary>
    public void EnsureCapacity(long maximumSize)
    {
        var maximum = (int)Math.Clamp(maximumSize, 1, int.MaxValue >> 1);
        if (_table.Length >= maximum && _table.Length > 0)
        {
            return;
        }

        var length = Math.Max((int)BitOperations.RoundUpToPowerOf2((uint)maximum), 8);
        _table = new long[length];
        _blockMask = (length >> 3) - 1;
        // Ten increments per counter between agings, as in the TinyLFU paper; long arithmetic so that a very large
        // cache does not overflow into a negative size and never age.
        SampleSize = (int)Math.Min(10L * maximum, int.MaxValue);
        _size = 0;
    }

    /// <summary>Returns the estimated frequency of the key's hash, 0 to 15.</summary>
    public int Frequency(int hashCode)
    {
        if (_table.Length == 0)
        {
            return 0;
        }

        var blockHash = Spread(hashCode);
        var counterHash = Rehash(blockHash);
        var block = (int)(blockHash & (uint)_blockMask) << 3;
        var frequency = int.MaxValue;
        for (var i = 0; i < 4; i++)
        {
            var h = counterHash >> (i << 3);
            var index = (int)((h >> 1) & 15);
            var offset = (int)(h & 1);
            var count = (int)((ulong)_table[block + offset + (i << 1)] >> (index << 2)) & 0xF;
            frequency = Math.Min(frequency, count);
        }

        return frequency;
    }

    /// <summary>Counts one more occurrence of the key's hash, aging the sketch when the sample is full.</summary>
    public void Increment(int hashCode)
    {
        if (_table.Length == 0)
        {
            return;
        }

        var blockHash = Spread(hashCode);
        var counterHash = Rehash(blockHash);
        var block = (int)(blockHash & (uint)_blockMask) << 3;
        var added = false;
        for (var i = 0; i < 4; i++)
        {
            var h = counterHash >> (i << 3);
            var index = (int)((h >> 1) & 15);
            var offset = (int)(h & 1);
            added |= IncrementAt(block + offset + (i << 1), index);
        }

        if (added && ++_size == SampleSize)
        {
            Reset();
        }
    }

    private bool IncrementAt(int i, int j)
    {
        var offset = j << 2;
        var mask = 0xFL << offset;
        if ((_table[i] & mask) != mask)
        {
            _table[i] += 1L << offset;
            return true;
        }

        return false;
    }

    private void Reset()
    {
        var odd = 0;
        for (var i = 0; i < _table.Length; i++)
        {
            odd += BitOperations.PopCount((ulong)(_table[i] & OneMask));
            _table[i] = (long)((ulong)_table[i] >> 1) & ResetMask;
        }

        _size = (_size - (odd >> 2)) >> 1;
    }

    private static uint Spread(int x)
    {
        var h = (uint)x;
        h ^= h >> 17;
        h *= 0xed5ad4bb;
        h ^= h >> 11;
        h *= 0xac4c1b51;
        h ^= h >> 15;
        return h;
    }

    private static uint Rehash(uint x)
    {
        x *= 0x31848bab;
        x ^= x >> 14;
        return x;
    }
}
