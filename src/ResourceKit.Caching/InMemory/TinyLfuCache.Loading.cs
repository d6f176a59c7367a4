using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ResourceKit.Caching;

/// <summary>Single-flight loading for <see cref="TinyLfuCache{TKey, TValue}"/>.</summary>
public sealed partial class TinyLfuCache<TKey, TValue>
{
    private readonly ConcurrentDictionary<TKey, LoadFlight> _flights;

    /// <summary>Moved by <see cref="RemoveWhere"/> and <see cref="Clear"/>: a load that started before may not cache its value.</summary>
    private long _invalidationEpoch;

    /// <summary>
    /// Returns the cached value for a key, or runs <paramref name="factory"/> to create and cache
    /// it. Concurrent misses on one key run the factory once; the others wait for its result.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="factory">Creates the value; must not return <see langword="null"/>.</param>
    /// <returns>The cached or created value.</returns>
    /// <exception cref="InvalidOperationException">The factory returned <see langword="null"/>.</exception>
    /// <remarks>
    /// If the factory throws, every waiter gets the exception and nothing is cached. Waiters block
    /// their thread, including while an asynchronous factory started by
    /// <see cref="GetOrAddAsync"/> runs for the same key.
    /// </remarks>
    public TValue GetOrAdd(TKey key, Func<TKey, TValue> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryGet(key, out var value))
        {
            return value;
        }

        AfterLoadMissForTests?.Invoke(key);
        var flight = JoinFlight(key, out var leader);
        if (!leader)
        {
            return flight.Result.GetAwaiter().GetResult();
        }

        if (TryCompleteFromMap(key, flight, out value))
        {
            return value;
        }

        try
        {
            return CompleteFlight(key, flight, factory(key));
        }
        catch (Exception exception)
        {
            FailFlight(key, flight, exception);
            throw;
        }
    }

    /// <summary>
    /// Returns the cached value for a key, or runs <paramref name="factory"/> to create and cache
    /// it. Concurrent misses on one key run the factory once; the others await its result.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="factory">Creates the value; must not return <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The cached or created value; completes synchronously, without allocating, on a hit.</returns>
    /// <exception cref="InvalidOperationException">The factory returned <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <remarks>
    /// Cancelling one caller's token ends only that caller's wait. The factory's own token is
    /// cancelled only when every caller waiting for it has cancelled; the factory may then stop, and
    /// nothing is cached. If the factory throws, every waiter gets the exception and nothing is cached.
    /// </remarks>
    public ValueTask<TValue> GetOrAddAsync(TKey key, Func<TKey, CancellationToken, ValueTask<TValue>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (TryGet(key, out var value))
        {
            return new ValueTask<TValue>(value);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TValue>(cancellationToken);
        }

        AfterLoadMissForTests?.Invoke(key);
        var flight = JoinFlight(key, out var leader);
        if (leader && !TryCompleteFromMap(key, flight, out _))
        {
            _ = RunFlightAsync(key, flight, factory);
        }

        return AwaitFlightAsync(flight, cancellationToken);
    }

    /// <summary>Runs between a loader's miss and its joining a flight; for tests of that window, null otherwise.</summary>
    internal Action<TKey>? AfterLoadMissForTests { get; set; }

    /// <summary>Returns how many callers wait for the load of <paramref name="key"/>; for tests.</summary>
    internal int WaitersFor(TKey key) => _flights.TryGetValue(key, out var flight) ? flight.Waiters : 0;

    private LoadFlight JoinFlight(TKey key, out bool leader)
    {
        LoadFlight? created = null;
        while (true)
        {
            if (_flights.TryGetValue(key, out var existing))
            {
                if (existing.TryJoin())
                {
                    leader = false;
                    return existing;
                }

                // Everyone left that flight and its factory was cancelled: start afresh.
                _flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, existing));
                continue;
            }

            created ??= new LoadFlight(Volatile.Read(ref _invalidationEpoch));
            if (_flights.TryAdd(key, created))
            {
                leader = true;
                return created;
            }
        }
    }

    /// <summary>
    /// Completes a flight this caller leads with the value already cached, if any. The caller missed before joining,
    /// and a flight that finished in between (it caches, then retires) left its value in the map and no flight:
    /// running the factory again would load the key twice.
    /// </summary>
    private bool TryCompleteFromMap(TKey key, LoadFlight flight, [MaybeNullWhen(false)] out TValue value)
    {
        if (_map.Find(key) is { } node && node.ExpiresAt > Now())
        {
            value = node.Value;
            _flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, flight));
            flight.Complete(value);
            return true;
        }

        value = default;
        return false;
    }

    private async Task RunFlightAsync(TKey key, LoadFlight flight, Func<TKey, CancellationToken, ValueTask<TValue>> factory)
    {
        try
        {
            var value = await factory(key, flight.FactoryToken).ConfigureAwait(false);
            CompleteFlight(key, flight, value);
        }
        catch (Exception exception)
        {
            FailFlight(key, flight, exception);
        }
    }

    private TValue CompleteFlight(TKey key, LoadFlight flight, TValue value)
    {
        if (value is null)
        {
            throw new InvalidOperationException($"The value factory returned null for key '{key}'; null values cannot be cached.");
        }

        // A removal of the key (or a RemoveWhere or Clear) since the load started may have been meant for the value
        // it loaded: its waiters get it, the cache does not keep it.
        var result = value;
        if (IsStillValid(flight))
        {
            // Cache first, then retire the flight, so a newcomer sees either the flight or the value.
            // A value written by Set while the factory ran wins, as GetOrAdd promises the cached value.
            var winner = Write(key, value, _expireAfterWriteTicks == 0 ? Never : _expireAfterWriteTicks, onlyIfAbsent: true, out var added);
            result = winner is null ? value : winner.Value;
            if (added && !IsStillValid(flight) && _map.TryRemove(winner!))
            {
                // The removal landed between the check and the write.
                Retire(winner!, CacheRemovalCause.Removed);
            }
        }

        _flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, flight));
        flight.Complete(result);
        return result;
    }

    private bool IsStillValid(LoadFlight flight) => !flight.IsInvalidated && flight.Epoch == Volatile.Read(ref _invalidationEpoch);

    private void FailFlight(TKey key, LoadFlight flight, Exception exception)
    {
        _flights.TryRemove(new KeyValuePair<TKey, LoadFlight>(key, flight));
        flight.Fail(exception);
    }

    private static async ValueTask<TValue> AwaitFlightAsync(LoadFlight flight, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await flight.Result.ConfigureAwait(false);
        }

        try
        {
            return await flight.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (exception.CancellationToken == cancellationToken)
        {
            flight.Leave();
            throw;
        }
    }

    /// <summary>
    /// One load in progress: its result, and how many callers still wait for it. The token source is
    /// deliberately not disposed: a late <see cref="Leave"/> may still cancel it, and without timers
    /// it holds nothing that needs releasing.
    /// </summary>
    [SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A token source without timers holds nothing to release; see the summary.")]
    private sealed class LoadFlight(long epoch)
    {
        private readonly TaskCompletionSource<TValue> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _factoryCancellation = new();
        private readonly Lock _lock = new();
        private int _waiters = 1;
        private volatile bool _invalidated;

        /// <summary>Gets the cache's invalidation epoch when the load started.</summary>
        public long Epoch { get; } = epoch;

        /// <summary>Gets a value indicating whether the key was removed while loading, so the value must not be cached.</summary>
        public bool IsInvalidated => _invalidated;

        public Task<TValue> Result => _result.Task;

        public CancellationToken FactoryToken => _factoryCancellation.Token;

        public int Waiters
        {
            get
            {
                lock (_lock)
                {
                    return _waiters;
                }
            }
        }

        /// <summary>Adds a waiter; false if every waiter already left and the factory was told to stop.</summary>
        public bool TryJoin()
        {
            lock (_lock)
            {
                if (_waiters == 0)
                {
                    return false;
                }

                _waiters++;
                return true;
            }
        }

        /// <summary>Removes a cancelled waiter; the last one to leave cancels the factory.</summary>
        public void Leave()
        {
            lock (_lock)
            {
                if (--_waiters > 0 || _result.Task.IsCompleted)
                {
                    return;
                }
            }

            _factoryCancellation.Cancel();
        }

        public void Invalidate() => _invalidated = true;

        public void Complete(TValue value)
        {
            _result.TrySetResult(value);
        }

        public void Fail(Exception exception)
        {
            if (exception is OperationCanceledException canceled && _factoryCancellation.IsCancellationRequested)
            {
                _result.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _result.TrySetException(exception);
            }
        }
    }
}
