using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace ResourceKit.Caching;

/// <summary>
/// A thread-safe, bounded in-memory cache with a W-TinyLFU policy whose admission window is
/// tuned online from misses on recently evicted keys, weight-based capacity, time-to-live and idle expiry, single
/// flight loading, removal events and metrics on the <c>ResourceKit.Caching</c> meter.
/// </summary>
/// <remarks>
/// Reads are a lock-free lookup and, for an entry's first read in a read epoch (which each maintenance pass with
/// writes starts), a plain store into a per-thread lossy buffer; writes update the map at once and queue their policy
/// work, except that a write of a cached key changing neither weight nor expiry replaces the value in place when its
/// type writes atomically, and counts for the policy as a read. A maintenance pass, one at a time under a lock,
/// replays both buffers into the policy and evicts; see <see cref="CacheMaintenanceMode"/> for where it runs and
/// <see cref="RunMaintenance"/> to run it now.
/// The capacity bound holds after every maintenance pass.
/// </remarks>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type; <see langword="null"/> values are not cached.</typeparam>
public sealed partial class TinyLfuCache<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private const long Never = long.MaxValue;

    // A value whose writes are atomic (a reference, or a primitive no wider than a pointer) can be replaced in the node
    // lock-free readers already hold without their ever seeing half of it; any other value gets a new node.
    private static readonly bool ValueWritesAreAtomic = !typeof(TValue).IsValueType
        || ((typeof(TValue).IsPrimitive || typeof(TValue).IsEnum) && Unsafe.SizeOf<TValue>() <= IntPtr.Size);

    private static readonly bool KeyCanBeNull = !typeof(TKey).IsValueType || Nullable.GetUnderlyingType(typeof(TKey)) is not null;
    private static readonly bool ValueCanBeNull = !typeof(TValue).IsValueType || Nullable.GetUnderlyingType(typeof(TValue)) is not null;

    private readonly NodeMap<TKey, TValue> _map;
    private readonly Func<TKey, TValue, long>? _weigher;
    private readonly TimeProvider _timeProvider;
    private readonly long _expireAfterWriteTicks;
    private readonly long _expireAfterAccessTicks;
    private readonly TinyLfuCacheMetrics? _metrics;
    private readonly bool _countHitsAndMisses;
    private TinyLfuCounters _counters;

    /// <summary>Initializes a new instance of the <see cref="TinyLfuCache{TKey, TValue}"/> class.</summary>
    /// <param name="options">The cache's options; they are validated and copied.</param>
    /// <param name="timeProvider">The clock for expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Caching</c> meter; when <see langword="null"/> the cache owns a meter of its own.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public TinyLfuCache(TinyLfuCacheOptions<TKey, TValue> options, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        TinyLfuCacheOptionsValidator.ThrowIfInvalid(options);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _weigher = options.Weigher;
        _map = new NodeMap<TKey, TValue>(options.KeyComparer);
        _flights = new ConcurrentDictionary<TKey, LoadFlight>(options.KeyComparer);
        _expireAfterWriteTicks = ToTimestampTicks(options.ExpireAfterWrite);
        _expireAfterAccessTicks = ToTimestampTicks(options.ExpireAfterAccess);
        _expirationScanTicks = ToTimestampTicks(options.ExpirationScanInterval);
        _foreground = options.MaintenanceMode == CacheMaintenanceMode.Foreground;
        _countHitsAndMisses = options.CountHitsAndMisses;
        _readEpoch.Current = 1;
        _readEpoch.FastHit = _countHitsAndMisses ? ReadEpochLine.NeverMatches : 1;
        _policy = new TinyLfuPolicy<TKey, TValue>(
            options.Capacity,
            _weigher is not null,
            new WindowLimits(options.InitialWindowFraction, options.MinimumWindowFraction, options.MaximumWindowFraction, options.AdaptiveWindow),
            OnPolicyEviction);
        _capacity = options.Capacity;
        _drainReadBuffer = _policy.OnAccess;
        _maintenanceWorkItem = new MaintenanceWorkItem(this);
        _metrics = new TinyLfuCacheMetrics(options.Name, meterFactory, GetStatistics);
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="TinyLfuCache{TKey, TValue}"/> class from
    /// options bound in dependency injection (see <c>AddResourceKitCaching</c>).
    /// </summary>
    /// <param name="options">The bound options.</param>
    /// <param name="timeProvider">The clock for expiry; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Caching</c> meter.</param>
    public TinyLfuCache(IOptions<TinyLfuCacheOptions> options, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
        : this(new TinyLfuCacheOptions<TKey, TValue>(Unwrap(options)), timeProvider, meterFactory)
    {
    }

    /// <summary>Occurs after an entry left the cache; see <see cref="CacheRemovalCause"/>. Handlers run on the thread that removed it, or after a maintenance pass.</summary>
    public event EventHandler<CacheEntryRemovedEventArgs<TKey, TValue>>? EntryRemoved;

    /// <summary>Gets the number of entries (expired entries not yet cleaned up included).</summary>
    public int Count => _weigher is null ? (int)Weight : Volatile.Read(ref _counters.Count);

    /// <summary>Gets the total weight of the entries, which is their number when there is no weigher.</summary>
    public long Weight => Interlocked.Read(ref _counters.Weight);

    /// <summary>Gets the maximum total weight.</summary>
    public long Capacity => Interlocked.Read(ref _capacity);

    /// <summary>Looks up a live entry. Takes no lock and allocates nothing.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The cached value, when found.</param>
    /// <returns><see langword="true"/> if a live (not expired) entry was found.</returns>
    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        // Checking IsValueType first keeps unoptimized (Debug) code from boxing value-type keys.
        if (!typeof(TKey).IsValueType && key is null)
        {
            ThrowKeyNull(nameof(key));
        }

        var node = _map.FindOptimistic(key);

        // The common hit, kept apart so that it makes no call, takes no local's address and saves few registers: an
        // entry already recorded in this read epoch, in a cache that does not count hits. A node that can expire never
        // matches (CacheNode.ReadEpoch), nor does any node in a cache that counts hits (ReadEpochLine.FastHit), so a
        // miss, an entry that can expire, a first read and a counted hit take the slow path. The slow path returns the
        // node rather than writing the value through a reference, which would make the caller's value a stack slot.
        if (node is null || node.ReadEpoch != Volatile.Read(ref _readEpoch.FastHit))
        {
            node = FindLive(key, node);
            if (node is null)
            {
                value = default;
                return false;
            }
        }

        value = node.Value;
        return true;
    }

    /// <summary>Caches a value under the default expiry policy, replacing any existing value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; not <see langword="null"/>.</param>
    /// <remarks>A value heavier than the whole capacity is not cached (and any old value for the key is dropped).</remarks>
    public void Set(TKey key, TValue value) => Write(key, value, _expireAfterWriteTicks == 0 ? Never : _expireAfterWriteTicks, onlyIfAbsent: false, out _);

    /// <summary>Caches a value that expires <paramref name="timeToLive"/> after now, replacing any existing value.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value; not <see langword="null"/>.</param>
    /// <param name="timeToLive">How long the entry lives; overrides <see cref="TinyLfuCacheOptions.ExpireAfterWrite"/>.</param>
    public void Set(TKey key, TValue value, TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        Write(key, value, ToTimestampTicks(timeToLive), onlyIfAbsent: false, out _);
    }

    /// <summary>Removes the entry for a key.</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> if a live entry was removed.</returns>
    public bool TryRemove(TKey key)
    {
        ArgumentNullException.ThrowIfNull(key);

        // A load in progress may have read the value this removal is meant to drop: it must not cache it, and callers
        // from now on start a load of their own.
        if (_flights.TryGetValue(key, out var flight) && _flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, flight)))
        {
            flight.Invalidate();
        }

        if (!_map.TryRemove(key, out var node))
        {
            return false;
        }

        var expired = node.ExpiresAt <= Now();
        Retire(node, expired ? CacheRemovalCause.Expired : CacheRemovalCause.Removed);
        return !expired;
    }

    /// <summary>Removes every live entry whose key and value match <paramref name="predicate"/>.</summary>
    /// <param name="predicate">Chooses the entries to remove.</param>
    /// <returns>The number of entries removed.</returns>
    public int RemoveWhere(Func<TKey, TValue, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);

        // The predicate cannot be asked about a value still loading: no load that started before now caches its value.
        Interlocked.Increment(ref _invalidationEpoch);
        var removed = 0;
        var now = Now();
        foreach (var node in _map.ToArray())
        {
            // The version is read before the value, and the removal checks it under the lock: a value updated in place
            // after the predicate saw the old one is not removed.
            var version = node.ValueVersion;
            if (node.ExpiresAt > now && predicate(node.Key, node.Value) && _map.TryRemove(node, version))
            {
                Retire(node, CacheRemovalCause.Removed);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _invalidationEpoch);
        foreach (var (key, flight) in _flights)
        {
            if (_flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, flight)))
            {
                flight.Invalidate();
            }
        }

        foreach (var node in _map.ToArray())
        {
            if (_map.TryRemove(node))
            {
                Retire(node, CacheRemovalCause.Removed);
            }
        }

        lock (_maintenanceLock)
        {
            // The ghost lists remember keys evicted before the clear. A later miss on one of them is no evidence that a
            // larger window or main region would have kept it (nothing kept anything through the clear), so it must not
            // move the window. Forgotten before the pass, so that writes racing the clear vote only on later evictions.
            _policy.ForgetEvictions();
            Maintain();
        }

        RaisePendingNotifications();
        ScheduleIfRequired();
    }

    /// <summary>Returns a snapshot of the cache's counters.</summary>
    /// <returns>The counters as of now.</returns>
    public CacheStatistics GetStatistics()
    {
        long hits = 0;
        long misses = 0;
        if (_countHitsAndMisses)
        {
            lock (_reportedLock)
            {
                // Two readers racing on one stripe's plain increment can lose a count and move its total back; the
                // published counters are monotonic (OpenTelemetry reads a drop as a reset), so a snapshot never goes
                // below the last one.
                (hits, misses) = _readBuffer.Totals();
                hits = _reportedHits = Math.Max(_reportedHits, hits);
                misses = _reportedMisses = Math.Max(_reportedMisses, misses);
            }
        }

        return new CacheStatistics
        {
            CountsHitsAndMisses = _countHitsAndMisses,
            Hits = hits,
            Misses = misses,
            Evictions = Interlocked.Read(ref _counters.Evictions),
            Expirations = Interlocked.Read(ref _counters.Expirations),
            Removals = Interlocked.Read(ref _counters.Removals),
            Replacements = Interlocked.Read(ref _counters.Replacements),
            Rejections = Interlocked.Read(ref _counters.Rejections),
            Count = Count,
            Weight = Weight,
            Capacity = Capacity,
            WindowFraction = Volatile.Read(ref _windowFraction),
        };
    }

    /// <summary>Detaches the cache's metrics. The cache itself stays usable.</summary>
    public void Dispose() => _metrics?.Dispose();

    private bool IsLiveAndTouched(CacheNode<TKey, TValue> node, long expiresAt)
    {
        var now = _timeProvider.GetTimestamp();
        if (now >= expiresAt)
        {
            return false;
        }

        if (_expireAfterAccessTicks != 0)
        {
            node.SetExpiresAt(Math.Min(SaturatingAdd(now, _expireAfterAccessTicks), node.WriteDeadline));
        }

        return true;
    }

    /// <summary>
    /// Writes the value, into a new node or, when it can (see <see cref="CanUpdateInPlace"/>), into the existing one;
    /// with <paramref name="onlyIfAbsent"/> keeps a live existing entry and returns its node.
    /// </summary>
    /// <returns>
    /// The node now cached for the key, holding the value when <paramref name="added"/> (a new node, or the existing one
    /// updated in place), or null when rejected.
    /// </returns>
    private CacheNode<TKey, TValue>? Write(TKey key, TValue value, long timeToLiveTicks, bool onlyIfAbsent, out bool added)
    {
        added = false;

        // Checking the flags first keeps unoptimized (Debug) code from boxing value-type keys and values.
        if (KeyCanBeNull && key is null)
        {
            ThrowKeyNull(nameof(key));
        }

        if (ValueCanBeNull && value is null)
        {
            throw new ArgumentNullException(nameof(value), "A null value cannot be cached.");
        }

        var weight = _weigher?.Invoke(key, value) ?? 1;
        if (weight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), weight, $"The weigher returned {weight} for key '{key}'; weights must be 0 or more.");
        }

        // The clock is read only when something can expire: a timestamp costs more than the rest of a plain write.
        var now = timeToLiveTicks == Never && _expireAfterAccessTicks == 0 ? 0 : Now();
        var writeDeadline = timeToLiveTicks == Never ? Never : SaturatingAdd(now, timeToLiveTicks);
        var expiresAt = _expireAfterAccessTicks == 0 ? writeDeadline : Math.Min(writeDeadline, SaturatingAdd(now, _expireAfterAccessTicks));
        CacheNode<TKey, TValue>? node = null;
        if (expiresAt != Never)
        {
            _mayExpire = true;
        }

        if (weight > Capacity)
        {
            Interlocked.Increment(ref _counters.Rejections);
            if (!onlyIfAbsent && _map.TryRemove(key, out var dropped))
            {
                // Nothing replaces the old value (the new one is not cached): it is removed, or had expired.
                Retire(dropped, dropped.ExpiresAt <= Now() ? CacheRemovalCause.Expired : CacheRemovalCause.Removed);
            }

            ScheduleAfterWrite();
            return null;
        }

        while (true)
        {
            var existing = _map.Find(key);
            if (existing is not null)
            {
                var existingExpiresAt = existing.ExpiresAt;
                var existingLive = existingExpiresAt == Never || existingExpiresAt > (now == 0 ? now = Now() : now);
                if (onlyIfAbsent && existingLive)
                {
                    return existing;
                }

                if (CanUpdateInPlace(existing, weight, expiresAt) && existing.TryUpdateValue(value, out var previous))
                {
                    // For the policy a read of the entry. Its expiry is Never here (CanUpdateInPlace), passed as read
                    // all the same, so the mark could never let an expiring entry past the hit's expiry check.
                    RecordAccess(existing, existing.ExpiresAt);
                    Notify(existing.Key, previous, CacheRemovalCause.Replaced);
                    added = true;
                    return existing;
                }

                // Not updatable in place, or frozen on its way out of the map: replacing it waits for the stripe lock,
                // which the remover holds until the node is unlinked, and then fails, so the next round adds anew
                // rather than spinning on a node that is still linked.
                node ??= NewNode();
                if (_map.TryReplace(existing, node))
                {
                    existing.TryRetire();
                    Interlocked.Add(ref _counters.Weight, weight - existing.Weight);
                    EnqueueWrite(new PendingWrite(existing, node));
                    Notify(existing.Key, existing.Value, existingLive ? CacheRemovalCause.Replaced : CacheRemovalCause.Expired);
                    break;
                }
            }
            else if (_map.TryAdd(node ??= NewNode()))
            {
                Interlocked.Add(ref _counters.Weight, weight);
                CountEntries(1);
                EnqueueWrite(new PendingWrite(null, node));
                break;
            }
        }

        ScheduleAfterWrite();
        added = true;
        return node;

        // Created only when the write needs a node of its own: an update in place does not.
        CacheNode<TKey, TValue> NewNode() => new(key, value, weight, _map.Hash(key), writeDeadline, expiresAt);
    }

    /// <summary>
    /// Whether a write of the same key can replace the value in <paramref name="existing"/> rather than a new node: as
    /// Caffeine does for an update that changes neither weight nor expiry, it is then, for the policy, a read of the
    /// entry. That keeps the maintenance pass, the write buffer and an allocation off the most common write of a hot
    /// key. The update hands back the value it replaced, for the removal event.
    /// </summary>
    private static bool CanUpdateInPlace(CacheNode<TKey, TValue> existing, long weight, long expiresAt) =>
        ValueWritesAreAtomic && expiresAt == Never && existing.ExpiresAt == Never && existing.Weight == weight;

    /// <summary>
    /// The rest of <see cref="TryGet"/>: a miss, an entry that can expire, the first read of an entry in a read epoch,
    /// or a hit to count. Records the read and counts the hit or miss.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="node">The node the optimistic lookup found, or <see langword="null"/>.</param>
    /// <returns>The live node for <paramref name="key"/>, or <see langword="null"/> on a miss.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private CacheNode<TKey, TValue>? FindLive(TKey key, CacheNode<TKey, TValue>? node)
    {
        // The optimistic lookup can miss a present key while the map grows; a full lookup cannot. A miss so walks its
        // chain twice, which costs a few nanoseconds before the caller loads and writes the value: keeping the table
        // the first walk read, to check it alone, made every hit slower instead (2.9 against 2.7 ns in the probe).
        node ??= _map.Find(key);
        if (node is not null)
        {
            var expiresAt = node.ExpiresAt;
            if (expiresAt == Never || IsLiveAndTouched(node, expiresAt))
            {
                RecordAccess(node, expiresAt);
                if (_countHitsAndMisses)
                {
                    _readBuffer.CountHit();
                }

                return node;
            }

            RemoveExpired(node);
        }

        if (_countHitsAndMisses)
        {
            _readBuffer.CountMiss();
        }

        return null;
    }

    /// <summary>
    /// Records a read of <paramref name="node"/> for the policy (or an update in place, which counts as one) unless one
    /// is already recorded in this read epoch. The mark carries the sign bit for an entry that can expire, so that the
    /// hit's fast path, which compares the mark with the epoch alone, never matches it.
    /// </summary>
    /// <param name="node">The entry read.</param>
    /// <param name="expiresAt">Its expiry as the caller read it.</param>
    private void RecordAccess(CacheNode<TKey, TValue> node, long expiresAt)
    {
        var mark = Volatile.Read(ref _readEpoch.Current) | (expiresAt == Never ? 0 : int.MinValue);
        if (node.ReadEpoch != mark)
        {
            RecordRead(node, mark);
        }
    }

    /// <summary>
    /// Records the first read of <paramref name="node"/> in this read epoch for the policy (marking it with
    /// <paramref name="mark"/>, see <see cref="CacheNodeHead{TKey, TValue}.ReadEpoch"/>), and schedules a pass if the stripe
    /// was full or writes wait for one.
    /// </summary>
    private void RecordRead(CacheNode<TKey, TValue> node, int mark)
    {
        node.ReadEpoch = mark;
        if (!_readBuffer.TryAppend(node))
        {
            // Dropped: the next read records it again, rather than the entry staying unrecorded until the next epoch.
            node.ReadEpoch = 0;
            ScheduleDrain();
        }
        else if (Volatile.Read(ref _drainStatus.Value) == DrainRequired)
        {
            ScheduleDrain();
        }
    }

    private void RemoveExpired(CacheNode<TKey, TValue> node)
    {
        if (_map.TryRemove(node))
        {
            Retire(node, CacheRemovalCause.Expired);
        }
    }

    /// <summary>Accounts for a node the caller just removed from the map, and queues its policy removal.</summary>
    private void Retire(CacheNode<TKey, TValue> node, CacheRemovalCause cause)
    {
        node.TryRetire();
        Interlocked.Add(ref _counters.Weight, -node.Weight);
        CountEntries(-1);
        EnqueueWrite(new PendingWrite(node, null));
        Notify(node.Key, node.Value, cause);
        ScheduleAfterWrite();
    }

    /// <summary>Called by the policy, under the lock, for each node it evicts.</summary>
    private void OnPolicyEviction(CacheNode<TKey, TValue> node, CacheRemovalCause cause)
    {
        // The map may already hold a newer node for the key; then the pending write handles it.
        if (_map.TryRemove(node))
        {
            node.TryRetire();
            Interlocked.Add(ref _counters.Weight, -node.Weight);
            CountEntries(-1);
            CountRemoval(cause);
            if (EntryRemoved is not null)
            {
                _pendingNotifications.Enqueue((node, cause));
            }
        }
    }

    private void Notify(TKey key, TValue value, CacheRemovalCause cause)
    {
        CountRemoval(cause);
        EntryRemoved?.Invoke(this, new CacheEntryRemovedEventArgs<TKey, TValue>(key, value, cause));
    }

    private void CountRemoval(CacheRemovalCause cause)
    {
        switch (cause)
        {
            case CacheRemovalCause.Evicted:
                Interlocked.Increment(ref _counters.Evictions);
                break;
            case CacheRemovalCause.Expired:
                Interlocked.Increment(ref _counters.Expirations);
                break;
            case CacheRemovalCause.Removed:
                Interlocked.Increment(ref _counters.Removals);
                break;
            default:
                Interlocked.Increment(ref _counters.Replacements);
                break;
        }
    }

    private long Now() => _timeProvider.GetTimestamp();

    private void CountEntries(int delta)
    {
        // Without a weigher every entry weighs 1, so the weight is the count and one atomic update serves both.
        if (_weigher is not null)
        {
            Interlocked.Add(ref _counters.Count, delta);
        }
    }

    private long ToTimestampTicks(TimeSpan? span)
    {
        if (span is not { } value)
        {
            return 0;
        }

        var ticks = value.TotalSeconds * _timeProvider.TimestampFrequency;
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : Math.Max(1, (long)ticks);
    }

    private static long SaturatingAdd(long a, long b) => a > Never - b ? Never - 1 : a + b;

    private static TinyLfuCacheOptions Unwrap(IOptions<TinyLfuCacheOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value;
    }

    [DoesNotReturn]
    private static void ThrowKeyNull(string parameterName) => throw new ArgumentNullException(parameterName);
}
