using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ResourceKit.Caching;

/// <summary>
/// The cache's key-to-node map: a hash table whose bucket chains run through the nodes themselves
/// (<see cref="CacheNodeHead{TKey, TValue}.NextInBucket"/>). Lookups take no lock; writers lock one of a
/// fixed set of stripes; growing the table takes every stripe.
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/>: a lookup there reaches the
/// dictionary's own entry and only then the cache node, one more dependent load, and with a reference-type value it runs
/// shared generic code. Measured on an integer key, a bare <c>ConcurrentDictionary&lt;int, node&gt;</c> lookup plus the
/// expiry check was already 1.3–2.2× a <c>ConcurrentDictionary&lt;int, int&gt;</c> hit, so no cheaper bookkeeping could
/// bring a cache hit near it; this table's lookup is below it (benchmarks/RESULTS.md).
/// </para>
/// <para>
/// Bucket indexes are the top bits of the hash times 2^32/φ (Fibonacci hashing), so keys whose hashes share low bits
/// (multiples of 1024, say) still spread. A stripe owns a contiguous range of buckets, the top bits of the same product,
/// and keeps that range when the table doubles, so a writer holding its stripe's lock always sees the current table.
/// </para>
/// <para>
/// Growing re-links the same nodes into a table twice the size while readers may be walking the old chains, so a
/// reader can be led off its chain and miss a key that is present. Before re-linking, the old table is marked as
/// moving; a lookup that found nothing checks that mark after its walk and, if set, looks again under the key's stripe
/// lock, which it gets only once the new table is in place. A hit needs no check: a node found has the key.
/// </para>
/// </remarks>
internal sealed class NodeMap<TKey, TValue>
    where TKey : notnull
{
    private const uint FibonacciMultiplier = 0x9E3779B9;
    private const int MaximumBucketBits = 30;

    // Null for a value-type key with the default comparer: the JIT then devirtualizes and inlines hashing and equality.
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly object[] _locks;
    private readonly int[] _counts;
    private readonly int _lockShift;
    private Table _table;

    /// <summary>Initializes a new instance of the <see cref="NodeMap{TKey, TValue}"/> class.</summary>
    /// <param name="comparer">The key comparer; <see langword="null"/> for the default.</param>
    public NodeMap(IEqualityComparer<TKey>? comparer)
    {
        _comparer = typeof(TKey).IsValueType && (comparer is null || ReferenceEquals(comparer, EqualityComparer<TKey>.Default))
            ? null
            : typeof(TKey) == typeof(string) && (comparer is null || ReferenceEquals(comparer, EqualityComparer<string>.Default) || ReferenceEquals(comparer, StringComparer.Ordinal))
                ? (IEqualityComparer<TKey>)(object)new SeededStringComparer()
                : comparer ?? EqualityComparer<TKey>.Default;
        var lockCount = (int)Math.Min(64, BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * 4));
        _locks = new object[lockCount];
        for (var i = 0; i < lockCount; i++)
        {
            _locks[i] = new object();
        }

        _counts = new int[lockCount];
        _lockShift = 32 - BitOperations.Log2((uint)lockCount);

        // At least as many buckets as stripes, so every stripe owns a whole number of buckets.
        var bits = Math.Max(BitOperations.Log2((uint)lockCount), 6);
        _table = new Table(bits);
    }

    /// <summary>Gets the number of nodes in the map (a moment's sum of the stripes' counts).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                count += Volatile.Read(ref _counts[i]);
            }

            return count;
        }
    }

    /// <summary>Computes a key's hash code with the map's comparer.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The hash code the node for <paramref name="key"/> must carry.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Hash(TKey key) => typeof(TKey).IsValueType && _comparer is null
        ? EqualityComparer<TKey>.Default.GetHashCode(key)
        : _comparer!.GetHashCode(key);

    /// <summary>Finds the node for <paramref name="key"/>, or returns <see langword="null"/>. Takes no lock.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The node, or <see langword="null"/> if the key is absent.</returns>
    public CacheNode<TKey, TValue>? Find(TKey key)
    {
        var table = Volatile.Read(ref _table);
        var hash = Hash(key);
        return FindInBucket(table, key, hash) ?? FindIfMoving(table, key, hash);
    }

    /// <summary>
    /// The lock-free half of <see cref="Find"/>: walks the key's chain and nothing else, so it may return
    /// <see langword="null"/> for a present key while the table grows. A caller that gets <see langword="null"/> and
    /// needs to be sure calls <see cref="Find"/>. Makes no call for a value-type key with the default comparer, so that
    /// a cache hit inlining it saves no registers; for a value-type key with a comparer of its own it returns
    /// <see langword="null"/> at once, leaving the lookup (and the comparer's calls) to <see cref="Find"/>.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The node, or <see langword="null"/> if not found (or not looked for, or not found yet).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CacheNode<TKey, TValue>? FindOptimistic(TKey key)
    {
        if (typeof(TKey).IsValueType)
        {
            return _comparer is null
                ? FindInBucket(Volatile.Read(ref _table), key, EqualityComparer<TKey>.Default.GetHashCode(key), default(DefaultEquality))
                : null;
        }

        var hash = _comparer!.GetHashCode(key);
        return FindInBucket(Volatile.Read(ref _table), key, hash, new ComparerEquality(_comparer));
    }

    /// <summary>Adds <paramref name="node"/> unless a node with its key is present.</summary>
    /// <param name="node">The node; its <see cref="CacheNodeHead{TKey, TValue}.HashCode"/> must come from <see cref="Hash"/>.</param>
    /// <returns><see langword="true"/> if added.</returns>
    public bool TryAdd(CacheNode<TKey, TValue> node)
    {
        var stripe = StripeOf(node.HashCode);
        bool grow;
        Table table;
        lock (_locks[stripe])
        {
            table = _table;
            if (FindInBucket(table, node.Key, node.HashCode) is not null)
            {
                return false;
            }

            ref var head = ref table.Head(node.HashCode);
            node.NextInBucket = head;
            Volatile.Write(ref head, node);
            grow = ++_counts[stripe] > table.Budget(_counts.Length) && table.Bits < MaximumBucketBits;
        }

        if (grow)
        {
            Grow(table);
        }

        return true;
    }

    /// <summary>Replaces <paramref name="existing"/> by <paramref name="replacement"/> if <paramref name="existing"/> is still the key's node.</summary>
    /// <param name="existing">The node expected to be in the map.</param>
    /// <param name="replacement">The new node for the same key.</param>
    /// <returns><see langword="true"/> if replaced.</returns>
    public bool TryReplace(CacheNode<TKey, TValue> existing, CacheNode<TKey, TValue> replacement)
    {
        lock (_locks[StripeOf(existing.HashCode)])
        {
            ref var slot = ref FindSlot(_table, existing);
            if (Unsafe.IsNullRef(ref slot))
            {
                return false;
            }

            // Frozen first, so that no update in place lands in the node on its way out.
            existing.TryFreeze(CacheNode<TKey, TValue>.AnyVersion);

            // The old node keeps its link, so a reader standing on it still walks the rest of the chain.
            replacement.NextInBucket = existing.NextInBucket;
            Volatile.Write(ref slot, replacement);
            return true;
        }
    }

    /// <summary>Removes <paramref name="node"/> if it is still the node for its key and its value is unchanged since <paramref name="valueVersion"/>.</summary>
    /// <param name="node">The node expected to be in the map.</param>
    /// <param name="valueVersion">The node's <see cref="CacheNode{TKey, TValue}.ValueVersion"/> when its value was looked at.</param>
    /// <returns><see langword="true"/> if removed.</returns>
    public bool TryRemove(CacheNode<TKey, TValue> node, int valueVersion)
    {
        var stripe = StripeOf(node.HashCode);
        lock (_locks[stripe])
        {
            return RemoveLocked(node, stripe, valueVersion);
        }
    }

    /// <summary>Removes <paramref name="node"/> if it is still the node for its key.</summary>
    /// <param name="node">The node expected to be in the map.</param>
    /// <returns><see langword="true"/> if removed.</returns>
    public bool TryRemove(CacheNode<TKey, TValue> node)
    {
        var stripe = StripeOf(node.HashCode);
        lock (_locks[stripe])
        {
            return RemoveLocked(node, stripe);
        }
    }

    /// <summary>Removes and returns the node for <paramref name="key"/>, if any.</summary>
    /// <param name="key">The key.</param>
    /// <param name="node">The removed node.</param>
    /// <returns><see langword="true"/> if a node was removed.</returns>
    public bool TryRemove(TKey key, [NotNullWhen(true)] out CacheNode<TKey, TValue>? node)
    {
        var hash = Hash(key);
        var stripe = StripeOf(hash);
        lock (_locks[stripe])
        {
            node = FindInBucket(_table, key, hash);
            return node is not null && RemoveLocked(node, stripe);
        }
    }

    /// <summary>Returns the nodes in the map at one moment (every stripe locked while they are copied).</summary>
    /// <returns>A new array; the map may have changed by the time it is read.</returns>
    public CacheNode<TKey, TValue>[] ToArray()
    {
        var taken = 0;
        try
        {
            EnterAllLocks(ref taken);
            var nodes = new CacheNode<TKey, TValue>[Count];
            var i = 0;
            foreach (var head in _table.Buckets)
            {
                for (var node = head; node is not null; node = node.NextInBucket)
                {
                    nodes[i++] = node;
                }
            }

            return nodes;
        }
        finally
        {
            ReleaseLocks(taken);
        }
    }

    /// <summary>Walks one bucket's chain for the key, reading each link with acquire semantics (lookups hold no lock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CacheNode<TKey, TValue>? FindInBucket(Table table, TKey key, int hash) =>
        typeof(TKey).IsValueType && _comparer is null
            ? FindInBucket(table, key, hash, default(DefaultEquality))
            : FindInBucket(table, key, hash, new ComparerEquality(_comparer!));

    /// <summary>
    /// The one chain walk. Generic over a struct so that each equality gets its own compiled loop: with the default
    /// comparer of a value type the loop has no comparer check in it, which on an integer key is a good part of a hit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static CacheNode<TKey, TValue>? FindInBucket<TEquality>(Table table, TKey key, int hash, TEquality equality)
        where TEquality : struct, IKeyEquality
    {
        var node = Volatile.Read(ref table.Head(hash));
        while (node is not null)
        {
            if ((!equality.HashFiltersKeys || node.HashCode == hash) && equality.AreEqual(node.Key, key))
            {
                return node;
            }

            node = Volatile.Read(ref node.NextInBucket);
        }

        return null;
    }

    /// <summary>After a lookup found nothing: looks again under the lock if the table was moving (see <see cref="Grow"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CacheNode<TKey, TValue>? FindIfMoving(Table table, TKey key, int hash) =>
        Volatile.Read(ref table.MovingFlag) != 0 ? FindLocked(key, hash) : null;

    private int StripeOf(int hash) => (int)(((uint)hash * FibonacciMultiplier) >> _lockShift);

    /// <summary>Unlinks <paramref name="node"/> if it is in the current table (and its value unchanged since <paramref name="valueVersion"/>); the caller holds <paramref name="stripe"/>, the node's.</summary>
    private bool RemoveLocked(CacheNode<TKey, TValue> node, int stripe, int valueVersion = CacheNode<TKey, TValue>.AnyVersion)
    {
        ref var slot = ref FindSlot(_table, node);
        if (Unsafe.IsNullRef(ref slot) || !node.TryFreeze(valueVersion))
        {
            return false;
        }

        Volatile.Write(ref slot, node.NextInBucket);
        _counts[stripe]--;
        return true;
    }

    /// <summary>Returns a reference to the link that points at <paramref name="node"/>, or a null reference if it is not in <paramref name="table"/>. Caller holds the node's stripe.</summary>
    private static ref CacheNode<TKey, TValue>? FindSlot(Table table, CacheNode<TKey, TValue> node)
    {
        ref var slot = ref table.Head(node.HashCode);
        while (slot is not null)
        {
            if (ReferenceEquals(slot, node))
            {
                return ref slot;
            }

            slot = ref slot.NextInBucket;
        }

        return ref Unsafe.NullRef<CacheNode<TKey, TValue>?>();
    }

    /// <summary>The slow half of a miss that raced a resize: looks again once the stripe (so the new table) is available.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CacheNode<TKey, TValue>? FindLocked(TKey key, int hash)
    {
        lock (_locks[StripeOf(hash)])
        {
            return FindInBucket(_table, key, hash);
        }
    }

    private void Grow(Table table)
    {
        var taken = 0;
        try
        {
            EnterAllLocks(ref taken);

            // Another writer grew it first, or it cannot grow.
            if (!ReferenceEquals(table, _table) || table.Bits >= MaximumBucketBits)
            {
                return;
            }

            // Marked before any link moves (a full fence), so a reader led astray by a moved link sees the mark after its walk.
            Interlocked.Exchange(ref table.MovingFlag, 1);
            var grown = new Table(table.Bits + 1);
            foreach (var head in table.Buckets)
            {
                var node = head;
                while (node is not null)
                {
                    var next = node.NextInBucket;
                    ref var bucket = ref grown.Head(node.HashCode);
                    node.NextInBucket = bucket;
                    bucket = node;
                    node = next;
                }
            }

            Volatile.Write(ref _table, grown);
        }
        finally
        {
            ReleaseLocks(taken);
        }
    }

    /// <summary>Takes every stripe, in order (so two callers cannot deadlock); <paramref name="taken"/> counts those held, for <see cref="ReleaseLocks"/> if one throws.</summary>
    private void EnterAllLocks(ref int taken)
    {
        for (; taken < _locks.Length; taken++)
        {
            Monitor.Enter(_locks[taken]);
        }
    }

    private void ReleaseLocks(int taken)
    {
        for (var i = 0; i < taken; i++)
        {
            Monitor.Exit(_locks[i]);
        }
    }

    /// <summary>Key equality for <see cref="FindInBucket{TEquality}"/>.</summary>
    private interface IKeyEquality
    {
        /// <summary>Gets whether comparing the stored hash codes first saves work: not when the keys compare as cheaply.</summary>
        bool HashFiltersKeys { get; }

        bool AreEqual(TKey stored, TKey key);
    }

    /// <summary>The default equality of a value-type key, devirtualized and inlined by the JIT.</summary>
    private readonly struct DefaultEquality : IKeyEquality
    {
        // An integer key is its own hash code's source and compares in one instruction, so a hit on an integer key
        // skips the hash compare (a constant for the JIT: each instantiation gets its own code).
        public bool HashFiltersKeys => !(typeof(TKey) == typeof(int) || typeof(TKey) == typeof(long)
            || typeof(TKey) == typeof(uint) || typeof(TKey) == typeof(ulong)
            || typeof(TKey) == typeof(short) || typeof(TKey) == typeof(ushort)
            || typeof(TKey) == typeof(byte) || typeof(TKey) == typeof(sbyte) || typeof(TKey) == typeof(char));

        public bool AreEqual(TKey stored, TKey key) => EqualityComparer<TKey>.Default.Equals(stored, key);
    }

    /// <summary>Equality through the map's comparer.</summary>
    private readonly struct ComparerEquality(IEqualityComparer<TKey> comparer) : IKeyEquality
    {
        public bool HashFiltersKeys => true;

        public bool AreEqual(TKey stored, TKey key) => comparer.Equals(stored, key);
    }

    /// <summary>One generation of buckets; replaced, never resized, when the map grows.</summary>
    private sealed class Table(int bits)
    {
        public readonly CacheNode<TKey, TValue>?[] Buckets = new CacheNode<TKey, TValue>?[1 << bits];
        public readonly int Bits = bits;
        /// <summary>Set (to 1) once the nodes start moving to the next table.</summary>
        public int MovingFlag;

        private readonly int _shift = 32 - bits;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int IndexOf(int hash) => (int)(((uint)hash * FibonacciMultiplier) >> _shift);

        /// <summary>The head of <paramref name="hash"/>'s bucket. Unchecked: the index is a 32-bit product shifted down to <see cref="Bits"/> bits, so always inside the array.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref CacheNode<TKey, TValue>? Head(int hash) =>
            ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Buckets), IndexOf(hash));

        /// <summary>The most nodes one stripe holds before the table doubles: one per bucket on average.</summary>
        public int Budget(int stripes) => Buckets.Length / stripes;
    }
}
