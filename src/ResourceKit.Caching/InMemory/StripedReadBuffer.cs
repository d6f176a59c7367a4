using System.Numerics;
using System.Runtime.InteropServices;

namespace ResourceKit.Caching;

/// <summary>
/// Striped, lossy ring buffers that record which entries were read, plus per-stripe hit and miss
/// counters. A reader picks the stripe of its thread and does plain stores: no lock, no atomic
/// instruction, no allocation. Two threads that share a stripe and race may overwrite one
/// record; that only loses a little policy information, which is the point of a lossy buffer
/// (Caffeine and BitFaster make the same trade with a CAS). One consumer, the maintenance pass,
/// drains the buffers under the policy lock.
/// </summary>
internal sealed class StripedReadBuffer<T>
    where T : class
{
    public const int StripeCapacity = 32;
    private const int StripeMask = StripeCapacity - 1;

    private readonly Stripe[] _stripes;
    private readonly int _stripeMask;

    public StripedReadBuffer()
    {
        var count = (int)Math.Min(64, BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 4));
        _stripes = new Stripe[count];
        for (var i = 0; i < count; i++)
        {
            _stripes[i] = new Stripe();
        }

        _stripeMask = count - 1;
    }

    /// <summary>Records a hit on <paramref name="item"/>; returns false if the stripe is full (the record was dropped).</summary>
    public bool RecordHit(T item)
    {
        var stripe = _stripes[Environment.CurrentManagedThreadId & _stripeMask];
        stripe.Producer.Hits++;
        var tail = stripe.Producer.Tail;
        if (tail - Volatile.Read(ref stripe.Head.Value) >= StripeCapacity)
        {
            return false;
        }

        stripe.Slots[(int)tail & StripeMask].Item = item;
        Volatile.Write(ref stripe.Producer.Tail, tail + 1);
        return true;
    }

    /// <summary>Counts a miss.</summary>
    public void RecordMiss() => _stripes[Environment.CurrentManagedThreadId & _stripeMask].Producer.Misses++;

    /// <summary>Passes every buffered item, oldest first per stripe, to <paramref name="consumer"/>. Single consumer only.</summary>
    public void Drain(Action<T> consumer)
    {
        foreach (var stripe in _stripes)
        {
            var tail = Volatile.Read(ref stripe.Producer.Tail);
            var head = stripe.Head.Value;
            var count = tail - head;
            if (count == 0)
            {
                continue;
            }

            if (count < 0 || count > StripeCapacity)
            {
                // A racing producer moved the tail backwards or far ahead: resynchronize and read every slot.
                count = StripeCapacity;
                head = tail - StripeCapacity;
            }

            for (var i = 0; i < count; i++)
            {
                var index = (int)(head + i) & StripeMask;
                var item = stripe.Slots[index].Item;
                if (item is not null)
                {
                    stripe.Slots[index].Item = null;
                    consumer(item);
                }
            }

            Volatile.Write(ref stripe.Head.Value, tail);
        }
    }

    /// <summary>Sums the hit and miss counters.</summary>
    public (long Hits, long Misses) Totals()
    {
        long hits = 0;
        long misses = 0;
        foreach (var stripe in _stripes)
        {
            hits += Volatile.Read(ref stripe.Producer.Hits);
            misses += Volatile.Read(ref stripe.Producer.Misses);
        }

        return (hits, misses);
    }

    /// <summary>Wraps a slot so that storing into the array skips the covariant array-store type check.</summary>
    private struct Slot
    {
        public T? Item;
    }

    private sealed class Stripe
    {
        public readonly Slot[] Slots = new Slot[StripeCapacity];
        public PaddedLong Head;
        public ProducerLine Producer;
    }
}

/// <summary>A long alone on its cache line, so the consumer's head and the producers' tail do not false-share.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)]
    public long Value;
}

/// <summary>What readers write, on one cache line of its own: the tail and the hit and miss counters.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct ProducerLine
{
    [FieldOffset(64)]
    public long Tail;

    [FieldOffset(72)]
    public long Hits;

    [FieldOffset(80)]
    public long Misses;
}
