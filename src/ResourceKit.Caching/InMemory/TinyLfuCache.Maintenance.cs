using System.Collections.Concurrent;

namespace ResourceKit.Caching;

/// <summary>Buffers, scheduling and the maintenance pass of <see cref="TinyLfuCache{TKey, TValue}"/>.</summary>
public sealed partial class TinyLfuCache<TKey, TValue>
{
    // Drain status, as in Caffeine: a pass is needed (Required), running with nothing new
    // (ProcessingToIdle) or running while more work arrived (ProcessingToRequired).
    private const int DrainIdle = 0;
    private const int DrainRequired = 1;
    private const int DrainProcessingToIdle = 2;
    private const int DrainProcessingToRequired = 3;
    private const int MaximumPassesPerWorkItem = 16;
    private const int ReadOnlyPassesPerEpoch = 16;

    private readonly TinyLfuPolicy<TKey, TValue> _policy;
    // A struct field, not an object: a hit reaches the buffer's arrays without first loading a reference to it.
    private readonly StripedReadBuffer<CacheNode<TKey, TValue>> _readBuffer = new();
    private readonly ConcurrentQueue<PendingWrite> _writeBuffer = new();
    private readonly ConcurrentQueue<(CacheNode<TKey, TValue> Node, CacheRemovalCause Cause)> _pendingNotifications = new();
    private readonly Lock _maintenanceLock = new();
    private readonly Action<CacheNode<TKey, TValue>> _drainReadBuffer;
    private readonly MaintenanceWorkItem _maintenanceWorkItem;
    private readonly bool _foreground;
    private readonly long _expirationScanTicks;
    private readonly int _writeBufferLimit = 128 * Environment.ProcessorCount;
    private long _capacity;
    private readonly Lock _reportedLock = new();
    private long _reportedHits;
    private long _reportedMisses;
    private long _nextExpirationScan;
    // Read by every lookup that records a hit and written by each pass: a cache line of its own.
    private PaddedLong _drainStatus;
    // Read by every hit and written once per pass with writes: a cache line of its own, away from the fields writers
    // update.
    private ReadEpochLine _readEpoch;
    private int _readOnlyPasses;
    private double _windowFraction;
    private bool _mayExpire;

    /// <summary>
    /// Runs a maintenance pass now on the calling thread: replays buffered reads and writes into the
    /// policy, removes expired entries when a sweep is due, evicts down to capacity and tunes the
    /// window. Afterwards <see cref="Weight"/> is at most <see cref="Capacity"/> (if no write races it).
    /// </summary>
    public void RunMaintenance()
    {
        MaintainAndNotify();
        ScheduleIfRequired();
    }

    /// <summary>Changes the capacity and evicts down to it at once.</summary>
    /// <param name="capacity">The new maximum total weight; greater than 0.</param>
    public void Resize(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        lock (_maintenanceLock)
        {
            Interlocked.Exchange(ref _capacity, capacity);
            _policy.SetCapacity(capacity);
            Maintain();
        }

        AfterDirectPass();
    }

    /// <summary>
    /// Evicts about <paramref name="fraction"/> of the cached weight now, least valuable entries
    /// first; for reclaiming memory under pressure. Capacity is unchanged.
    /// </summary>
    /// <param name="fraction">The share of the current weight to evict, 0 to 1.</param>
    /// <returns>The weight evicted.</returns>
    public long Trim(double fraction)
    {
        if (double.IsNaN(fraction) || fraction < 0 || fraction > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction to trim must be between 0 and 1.");
        }

        long trimmed;
        lock (_maintenanceLock)
        {
            Maintain();
            trimmed = _policy.Trim(fraction);
        }

        AfterDirectPass();
        return trimmed;
    }

    /// <summary>Gets the current read epoch; for tests.</summary>
    internal long ReadEpoch => Volatile.Read(ref _readEpoch.Current);

    /// <summary>Gets the read records maintenance has applied to the policy so far; for tests. Read under no lock, so only when no pass runs.</summary>
    internal long ReadRecordsApplied { get; private set; }

    /// <summary>Checks the policy's bookkeeping against the map; for tests. Call with no concurrent writers.</summary>
    internal void AssertConsistent()
    {
        lock (_maintenanceLock)
        {
            Maintain();
            long weight = 0;
            var count = 0;
            foreach (var node in _policy.Nodes())
            {
                if (!ReferenceEquals(_map.Find(node.Key), node))
                {
                    throw new InvalidOperationException($"The policy holds a node for '{node.Key}' that the map does not.");
                }

                weight += node.Weight;
                count++;
            }

            if (count != _map.Count || count != Count || weight != Weight || weight != _policy.WeightedSize)
            {
                throw new InvalidOperationException(
                    $"Bookkeeping differs: policy {count} nodes / {weight} weight (tracked {_policy.WeightedSize}), " +
                    $"map {_map.Count}, count {Count}, weight {Weight}.");
            }

            if (weight > Capacity)
            {
                throw new InvalidOperationException($"Weight {weight} exceeds capacity {Capacity} after maintenance.");
            }
        }
    }

    private void EnqueueWrite(PendingWrite write)
    {
        _writeBuffer.Enqueue(write);
        if (Interlocked.Increment(ref _counters.PendingWrites) > _writeBufferLimit && !_foreground)
        {
            HelpMaintain();
        }
    }

    /// <summary>
    /// Back-pressure: writers outpace the background pass, so a writer that finds the buffer over its limit runs a pass
    /// itself, waiting for the lock if a pass is under way. Several writers usually cross the limit together; once one
    /// of them (or the background pass) has drained the buffer, the others have nothing to help with and leave without
    /// a pass of their own, which would only start another read epoch and re-arm every hot entry.
    /// </summary>
    private void HelpMaintain()
    {
        lock (_maintenanceLock)
        {
            if (Volatile.Read(ref _counters.PendingWrites) > _writeBufferLimit)
            {
                Maintain();
            }
        }

        AfterDirectPass();
    }

    private void ScheduleAfterWrite()
    {
        if (_foreground)
        {
            RunMaintenance();
            return;
        }

        while (true)
        {
            switch (Volatile.Read(ref _drainStatus.Value))
            {
                case DrainIdle:
                    Interlocked.CompareExchange(ref _drainStatus.Value, DrainRequired, DrainIdle);
                    ScheduleDrain();
                    return;
                case DrainRequired:
                    ScheduleDrain();
                    return;
                case DrainProcessingToIdle:
                    if (Interlocked.CompareExchange(ref _drainStatus.Value, DrainProcessingToRequired, DrainProcessingToIdle) == DrainProcessingToIdle)
                    {
                        return;
                    }

                    continue;
                default:
                    return;
            }
        }
    }

    /// <summary>
    /// After a pass run on the caller's thread: raises its removal events, and schedules a background pass if writes
    /// arrived meanwhile (their writers found the lock taken and could not schedule one).
    /// </summary>
    private void AfterDirectPass()
    {
        RaisePendingNotifications();
        ScheduleIfRequired();
    }

    private void MaintainAndNotify()
    {
        lock (_maintenanceLock)
        {
            Maintain();
        }

        RaisePendingNotifications();
    }

    private void ScheduleIfRequired()
    {
        if (!_foreground && Volatile.Read(ref _drainStatus.Value) == DrainRequired)
        {
            ScheduleDrain();
        }
    }

    private void ScheduleDrain()
    {
        if (_foreground)
        {
            RunMaintenance();
            return;
        }

        if (Volatile.Read(ref _drainStatus.Value) >= DrainProcessingToIdle || !_maintenanceLock.TryEnter())
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _drainStatus.Value) < DrainProcessingToIdle)
            {
                Volatile.Write(ref _drainStatus.Value, DrainProcessingToIdle);
                ThreadPool.UnsafeQueueUserWorkItem(_maintenanceWorkItem, preferLocal: false);
            }
        }
        finally
        {
            _maintenanceLock.Exit();
        }
    }

    /// <summary>The maintenance pass proper; the caller holds the lock.</summary>
    private void Maintain()
    {
        Volatile.Write(ref _drainStatus.Value, DrainProcessingToIdle);
        try
        {
            // A pass with writes to apply starts a new read epoch, in which each entry's first read is recorded again.
            // Writes, not every pass: a pass that only drains reads (a stripe filled) must not re-arm every entry, or a
            // thread reading more distinct keys than a stripe holds would record every hit and start a pass every
            // 128 of them, for a policy that has nothing to decide until something is written. Every 16th read-only
            // pass starts one anyway, so that an entry whose record two racing readers overwrote is seen again in a
            // long read-only phase. Bumped before the reads are drained, so that a read racing the drain is recorded
            // in the new epoch rather than lost.
            if (Volatile.Read(ref _counters.PendingWrites) != 0 || ++_readOnlyPasses == ReadOnlyPassesPerEpoch)
            {
                _readOnlyPasses = 0;
                // Positive and never 0 (a node's "not recorded"), so that the sign bit can mark nodes that expire.
                var epoch = _readEpoch.Current == int.MaxValue ? 1 : _readEpoch.Current + 1;
                Volatile.Write(ref _readEpoch.Current, epoch);
                if (!_countHitsAndMisses)
                {
                    Volatile.Write(ref _readEpoch.FastHit, epoch);
                }
            }

            ReadRecordsApplied += _readBuffer.Drain(_drainReadBuffer);
            // Without expiring entries no node compares its expiry with the time, so the clock is not read.
            var now = _mayExpire ? Now() : 0;

            // Writes are applied a buffer's limit at a time, each batch followed by eviction: writers keep adding while
            // a pass drains, and one drain to the end with eviction only after it would let the cache hold every write
            // that arrived meanwhile (hundreds of entries over capacity were measured with four writers on two cores).
            while (DrainWriteBuffer(_writeBufferLimit))
            {
                _policy.Evict(now);
            }

            if (_mayExpire && now >= _nextExpirationScan)
            {
                _policy.EvictExpired(now);
                _nextExpirationScan = SaturatingAdd(now, _expirationScanTicks);
            }

            _policy.Evict(now);
            _policy.Climb();
            Volatile.Write(ref _windowFraction, _policy.WindowFraction);
        }
        finally
        {
            if (Interlocked.CompareExchange(ref _drainStatus.Value, DrainIdle, DrainProcessingToIdle) != DrainProcessingToIdle)
            {
                Volatile.Write(ref _drainStatus.Value, DrainRequired);
            }
        }
    }

    /// <summary>Applies up to <paramref name="limit"/> buffered writes to the policy.</summary>
    /// <param name="limit">The most writes to apply.</param>
    /// <returns><see langword="true"/> if it stopped at <paramref name="limit"/>, so writes may remain.</returns>
    private bool DrainWriteBuffer(int limit)
    {
        // The pending count shrinks in batches: one atomic update per item would contend with every writer. The
        // remainder is subtracted even if the policy throws, or writers would take the back-pressure path forever.
        const int Batch = 64;
        var drained = 0;
        var applied = 0;
        try
        {
            while (applied < limit && _writeBuffer.TryDequeue(out var write))
            {
                applied++;
                if (++drained == Batch)
                {
                    Interlocked.Add(ref _counters.PendingWrites, -Batch);
                    drained = 0;
                }

                switch (write)
                {
                    case { Removed: { } removed, Added: { } added }:
                        _policy.OnReplace(removed, added);
                        break;
                    case { Added: { } added }:
                        _policy.OnAdd(added);
                        break;
                    case { Removed: { } removed }:
                        _policy.OnRemove(removed);
                        break;
                    default:
                        break;
                }
            }
        }
        finally
        {
            Interlocked.Add(ref _counters.PendingWrites, -drained);
        }

        return applied == limit;
    }

    private void RaisePendingNotifications()
    {
        while (_pendingNotifications.TryDequeue(out var pending))
        {
            EntryRemoved?.Invoke(this, new CacheEntryRemovedEventArgs<TKey, TValue>(pending.Node.Key, pending.Node.Value, pending.Cause));
        }
    }

    private void RunScheduledMaintenance()
    {
        // While writers keep the pass busy, keep draining on this pool thread instead of queueing
        // (and waking) a new work item per pass; the bound on passes keeps the thread fair.
        for (var pass = 0; pass < MaximumPassesPerWorkItem; pass++)
        {
            MaintainAndNotify();
            if (Volatile.Read(ref _drainStatus.Value) != DrainRequired)
            {
                return;
            }
        }

        ScheduleDrain();
    }

    /// <summary>A policy change the write buffer carries: an add (no Removed), a removal (no Added) or a replacement (both).</summary>
    private readonly record struct PendingWrite(CacheNode<TKey, TValue>? Removed, CacheNode<TKey, TValue>? Added);

    /// <summary>Queues maintenance on the thread pool without allocating per pass.</summary>
    private sealed class MaintenanceWorkItem(TinyLfuCache<TKey, TValue> cache) : IThreadPoolWorkItem
    {
        public void Execute() => cache.RunScheduledMaintenance();
    }
}
