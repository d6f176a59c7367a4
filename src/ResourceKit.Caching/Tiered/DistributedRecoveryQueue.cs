using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ResourceKit.Caching;

/// <summary>
/// Keys whose change this host could not carry to the shared tiers (the distributed write or removal, or the
/// backplane message, failed or was skipped by the open circuit). While such a key is pending, Redis may still hold
/// the value from before the change and other hosts may still hold their copies, so once the shared tiers answer
/// again each key is replayed: removed from L3 and invalidated on the backplane.
/// </summary>
/// <remarks>
/// A replay removes rather than rewrites: removing a cache entry is correct whatever happened to the key meanwhile
/// (at worst a newer value is dropped and recomputed), while rewriting this host's copy could overwrite a newer value
/// another host stored after the outage. One entry per key however many changes failed; past the capacity, further
/// keys are counted as dropped and logged, because memory must stay bounded through a long outage.
/// </remarks>
internal sealed partial class DistributedRecoveryQueue : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _keys = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly TimeSpan _retryInterval;
    private readonly Func<string, CancellationToken, ValueTask<bool>> _replay;
    private readonly TieredCacheMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stopping = new();
    private long _sequence;
    private int _count;
    private int _armed;
    private int _replaying;
    private int _overflowLogged;
    private volatile bool _disposed;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="capacity">The most keys held; greater than zero.</param>
    /// <param name="retryInterval">The wait before a replay pass, after a failure and after a failed pass.</param>
    /// <param name="replay">
    /// Removes one full key from L3 and invalidates it on the backplane; <see langword="false"/> if either failed. Its
    /// token is cancelled after <paramref name="retryInterval"/> and on disposal, so a hung store cannot stall recovery.
    /// </param>
    /// <param name="timeProvider">Drives the retry timer.</param>
    /// <param name="metrics">Counts replays and drops.</param>
    /// <param name="logger">Receives the overflow warning.</param>
    public DistributedRecoveryQueue(int capacity, TimeSpan retryInterval, Func<string, CancellationToken, ValueTask<bool>> replay, TimeProvider timeProvider, TieredCacheMetrics metrics, ILogger logger)
    {
        _capacity = capacity;
        _timeProvider = timeProvider;
        _retryInterval = retryInterval;
        _replay = replay;
        _metrics = metrics;
        _logger = logger;
        _timer = timeProvider.CreateTimer(static state => ((DistributedRecoveryQueue)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the number of keys waiting for a replay.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Whether <paramref name="fullKey"/> waits for a replay: L3 may still hold the value from before this host's
    /// change, so reads must not take (and copy up) what L3 has for it.
    /// </summary>
    /// <param name="fullKey">The prefixed key.</param>
    /// <returns><see langword="true"/> while the key is pending.</returns>
    public bool Contains(string fullKey) => Volatile.Read(ref _count) != 0 && _keys.ContainsKey(fullKey);

    /// <summary>Starts a pass now (on the thread pool), for when the shared tiers are known to answer again.</summary>
    public void ReplaySoon()
    {
        if (!_disposed && Count != 0)
        {
            ThreadPool.QueueUserWorkItem(static queue => queue.OnTimer(), this, preferLocal: false);
        }
    }

    /// <summary>Records that the change of <paramref name="fullKey"/> did not reach the shared tiers, and arms a replay.</summary>
    /// <param name="fullKey">The prefixed key.</param>
    public void Add(string fullKey)
    {
        if (_disposed)
        {
            return;
        }

        // A new sequence number per failure, so that a replay that read an older one does not clear this newer failure.
        var sequence = Interlocked.Increment(ref _sequence);
        while (true)
        {
            if (_keys.TryGetValue(fullKey, out var previous))
            {
                if (_keys.TryUpdate(fullKey, sequence, previous))
                {
                    break;
                }

                continue;
            }

            if (Interlocked.Increment(ref _count) > _capacity)
            {
                Interlocked.Decrement(ref _count);
                if (_keys.ContainsKey(fullKey))
                {
                    // Another thread queued this very key meanwhile: it is tracked, only its sequence is to update.
                    continue;
                }

                _metrics.RecoveryDropped();
                if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
                {
                    LogOverflow(_logger, _capacity);
                }

                return;
            }

            if (_keys.TryAdd(fullKey, sequence))
            {
                break;
            }

            Interlocked.Decrement(ref _count);
        }

        Arm();
    }

    /// <summary>Stops the retry timer; pending keys are not replayed any more.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _timer.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
        var pending = Count;
        if (pending > 0)
        {
            LogAbandoned(_logger, pending);
        }
    }

    private void Arm()
    {
        if (!_disposed && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            try
            {
                _timer.Change(_retryInterval, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the check and the change: nothing will be replayed any more.
            }
        }
    }

    private void OnTimer()
    {
        Volatile.Write(ref _armed, 0);
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Exchange(ref _replaying, 1) == 0)
        {
            _ = ReplayAsync();
        }
        else
        {
            // A pass is still running (a slow store); look again later rather than run two passes at once.
            Arm();
        }
    }

    private async Task ReplayAsync()
    {
        var failed = false;
        var replayed = 0;
        try
        {
            foreach (var (key, sequence) in _keys)
            {
                if (_disposed)
                {
                    return;
                }

                if (!await ReplayOneAsync(key).ConfigureAwait(false))
                {
                    // The shared tiers are still unreachable (or the circuit is open): wait, do not hammer them.
                    failed = true;
                    break;
                }

                if (_keys.TryRemove(new KeyValuePair<string, long>(key, sequence)))
                {
                    Interlocked.Decrement(ref _count);
                    _metrics.RecoveryReplayed();
                    replayed++;
                }
            }
        }
        catch (Exception) when (_disposed)
        {
            // Disposal cancelled the call in flight (or disposed what it used): the pending keys are abandoned.
            return;
        }
        catch (Exception ex)
        {
            // The replay delegate contains store failures itself; this is a last guard so a timer callback never
            // brings the host down.
            failed = true;
            LogReplayFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _replaying, 0);
        }

        // Keys that failed again during the pass are newer than what it replayed and need a pass of their own.
        if (failed || Count != 0)
        {
            Arm();
        }
        else
        {
            // Everything caught up: a later overflow is a new incident and is logged again.
            Volatile.Write(ref _overflowLogged, 0);
        }

        LogPassEnded(_logger, replayed, Count);
    }

    private async ValueTask<bool> ReplayOneAsync(string key)
    {
        using var timeout = new CancellationTokenSource(_retryInterval, _timeProvider);
        using var stop = _stopping.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
        try
        {
            return await _replay(key, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_disposed)
        {
            // The store did not answer within a break: treat it as still down and try again after the next one.
            return false;
        }
    }

    [LoggerMessage(EventId = 5310, Level = LogLevel.Warning, Message = "More than {Capacity} keys are waiting to be removed from the distributed tier after it failed; further keys are not tracked and other hosts may keep stale copies of them until they expire.")]
    private static partial void LogOverflow(ILogger logger, int capacity);

    [LoggerMessage(EventId = 5311, Level = LogLevel.Warning, Message = "The cache was disposed with {Count} keys still waiting to be removed from the distributed tier.")]
    private static partial void LogAbandoned(ILogger logger, int count);

    [LoggerMessage(EventId = 5313, Level = LogLevel.Information, Message = "Distributed-tier recovery pass ended: {Replayed} keys removed from L3 and invalidated, {Pending} still pending.")]
    private static partial void LogPassEnded(ILogger logger, int replayed, int pending);

    [LoggerMessage(EventId = 5312, Level = LogLevel.Error, Message = "A distributed-tier recovery pass failed; it is retried later.")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception);
}
