using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ResourceKit.Caching;

/// <summary>Which policy region a node sits in.</summary>
internal enum NodeRegion : byte
{
    /// <summary>Not linked: not yet admitted by maintenance, or already unlinked.</summary>
    None,

    /// <summary>The admission window (an LRU of recent arrivals).</summary>
    Window,

    /// <summary>The main region's probation segment (candidates for eviction).</summary>
    Probation,

    /// <summary>The main region's protected segment (entries hit while on probation).</summary>
    Protected,

    /// <summary>
    /// Never to be linked: its removal or replacement was applied while it was not linked. Write records of one node
    /// can be drained out of order (its removal before the replacement that created it), and linking it then would
    /// leave a node in the policy that the map no longer holds.
    /// </summary>
    Gone,
}

/// <summary>
/// One cache entry: an immutable key and weight, a value, a mutable expiry and the intrusive links of the policy's
/// access-order lists. A replaced value usually gets a new node; only a value whose writes are atomic (a reference or
/// a primitive of at most pointer size) is replaced in place (<see cref="TryUpdateValue"/>), so readers never see a
/// torn value. The links and <see cref="Region"/> are touched only under the policy lock.
/// </summary>
internal sealed class CacheNode<TKey, TValue>(TKey key, TValue value, long weight, int hashCode, long writeDeadline, long expiresAt)
    : CacheNodeHead<TKey, TValue>(key, value, hashCode)
    where TKey : notnull
{
    private const int AliveState = 0;
    private const int RetiredState = 1;

    /// <summary>The <see cref="ValueVersion"/> of a node leaving the map; no update lands after it is set.</summary>
    public const int FrozenVersion = -2;

    /// <summary>Passed to <see cref="TryFreeze"/> by a remover that removes whatever the value is.</summary>
    public const int AnyVersion = -1;

    private long _expiresAt = expiresAt;
    private int _state;
    private int _valueVersion;

    /// <summary>
    /// Gets the value's version once no in-place update is under way: even and counting up by two per update, or
    /// <see cref="FrozenVersion"/> once the node is being removed from the map. A remover passes it back to
    /// <see cref="TryFreeze"/>, which fails if the value it looked at has been replaced since. The count wraps after
    /// 2^30 updates; a remover that looked at the value exactly that many updates ago would not notice, which no
    /// predicate call lasts long enough for.
    /// </summary>
    public int ValueVersion => StableValueVersion();

    public long Weight { get; } = weight;

    /// <summary>Gets the absolute expiry from the write (time-to-live); <see cref="long.MaxValue"/> if none.</summary>
    public long WriteDeadline { get; } = writeDeadline;

    /// <summary>Gets the timestamp at or after which the entry is expired; <see cref="long.MaxValue"/> if never.</summary>
    public long ExpiresAt => Volatile.Read(ref _expiresAt);

    /// <summary>Gets a value indicating whether the node has been removed from the map.</summary>
    public bool IsRetired => Volatile.Read(ref _state) != AliveState;

    public NodeRegion Region { get; set; }

    public CacheNode<TKey, TValue>? Previous { get; set; }

    public CacheNode<TKey, TValue>? Next { get; set; }

    /// <summary>
    /// Replaces the value in place unless the node has left the map (see <see cref="ValueVersion"/>). Takes no lock:
    /// writers of one hot key would otherwise queue on its stripe of the map.
    /// </summary>
    /// <param name="value">The new value, of a type whose writes are atomic.</param>
    /// <param name="previous">The value it replaced: exactly one update sees each value go, so each gets one removal event.</param>
    /// <returns><see langword="true"/> if the node holds <paramref name="value"/> now; <see langword="false"/> if it was frozen for removal.</returns>
    public bool TryUpdateValue(TValue value, [MaybeNullWhen(false)] out TValue previous)
    {
        while (true)
        {
            var version = StableValueVersion();
            if (version == FrozenVersion)
            {
                previous = default;
                return false;
            }

            if (Interlocked.CompareExchange(ref _valueVersion, version + 1, version) == version)
            {
                // The odd version keeps other updates and freezing out, so the value read here is the one replaced.
                previous = ValueField;

                // A reference is published with release semantics, so a lock-free reader that loads it sees the
                // object's fields as written before this store (on weakly ordered processors too).
                if (typeof(TValue).IsValueType)
                {
                    ValueField = value;
                }
                else
                {
                    Volatile.Write(ref Unsafe.As<TValue, object?>(ref ValueField), value);
                }

                // Released after the value: whoever reads the new version reads the new value too.
                Volatile.Write(ref _valueVersion, (version + 2) & int.MaxValue);
                return true;
            }
        }
    }

    /// <summary>
    /// Freezes the value before the node is unlinked, so that no update lands in a node that has left the map; the
    /// caller holds the node's stripe lock in the map and has found it linked. Waits out an update under way.
    /// </summary>
    /// <param name="expectedVersion">The version the caller's decision to remove was based on, or <see cref="AnyVersion"/>.</param>
    /// <returns><see langword="true"/> if frozen; <see langword="false"/> if the value changed since <paramref name="expectedVersion"/>.</returns>
    public bool TryFreeze(int expectedVersion)
    {
        while (true)
        {
            var version = StableValueVersion();
            if (expectedVersion != AnyVersion && version != expectedVersion)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _valueVersion, FrozenVersion, version) == version)
            {
                return true;
            }
        }
    }

    /// <summary>Reads the version, waiting out an update under way (an odd version).</summary>
    private int StableValueVersion()
    {
        var spinner = default(SpinWait);
        var version = Volatile.Read(ref _valueVersion);
        while ((version & 1) != 0)
        {
            // The updater may have been preempted mid-update (a remover waits here under the stripe lock): after a
            // while sleep, so that it gets the processor.
            spinner.SpinOnce();
            version = Volatile.Read(ref _valueVersion);
        }

        return version;
    }

    /// <summary>Moves the expiry on a read (expire-after-access); a lost race only costs a slightly earlier expiry.</summary>
    public void SetExpiresAt(long timestamp) => Volatile.Write(ref _expiresAt, timestamp);

    /// <summary>Marks the node removed from the map; returns false if it already was.</summary>
    public bool TryRetire() => Interlocked.Exchange(ref _state, RetiredState) == AliveState;
}
