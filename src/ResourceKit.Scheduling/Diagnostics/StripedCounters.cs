namespace ResourceKit.Scheduling;

/// <summary>
/// A few counters incremented on every dispatch by every worker. Each thread increments its own stripe (a separate
/// cache line), so workers on different cores do not contend; reads sum the stripes.
/// </summary>
internal sealed class StripedCounters
{
    private const int Stride = 16; // 16 longs = 128 bytes: one stripe never shares a cache line pair with another.
    private readonly long[] _cells;
    private readonly int _mask;
    private readonly int _slots;

    public StripedCounters(int slots)
    {
        if (slots > Stride)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "At most 16 counters per instance.");
        }

        int stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount * 2));
        _mask = stripes - 1;
        _slots = slots;
        _cells = new long[stripes * Stride];
    }

    public void Increment(int slot) => Interlocked.Increment(ref _cells[((Environment.CurrentManagedThreadId & _mask) * Stride) + slot]);

    public void Add(int slot, long value) => Interlocked.Add(ref _cells[((Environment.CurrentManagedThreadId & _mask) * Stride) + slot], value);

    public long Read(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, _slots);
        long sum = 0;
        for (int cell = slot; cell < _cells.Length; cell += Stride)
        {
            sum += Interlocked.Read(ref _cells[cell]);
        }

        return sum;
    }
}
