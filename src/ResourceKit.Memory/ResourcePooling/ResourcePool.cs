using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>
/// A pool of expensive resources (HTTP sessions, database connections, browsers, TTS engines) with a minimum and
/// maximum size, idle and lifetime limits, opt-in validation on borrow, FIFO waiters with timeout and cancellation,
/// replacement of broken resources, leak detection, background pruning on a <see cref="TimeProvider"/> timer and
/// graceful asynchronous disposal. A resource counts against <see cref="ResourcePoolOptions.MaxSize"/> from the moment
/// its creation starts until its close ends or is abandoned, so no more than that many are ever open at once.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
public sealed partial class ResourcePool<T> : IAsyncDisposable, IDisposable, IMemoryReclaimer
{
    private readonly Lock _gate = new();
    private readonly ResourcePoolOptions _options;
    private readonly IResourceLifecycle<T> _lifecycle;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly IDisposable _instruments;
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly Stack<PooledResource<T>> _idle = new();
    private readonly List<PooledResource<T>> _all = [];
    private readonly LinkedList<Waiter> _waiters = new(); // FIFO; a waiter that times out or is cancelled removes itself
    private readonly bool _trackLeases;
    private readonly ITimer _pruneTimer;
    private int _total; // slots under MaxSize: resources being opened, open (idle or leased) and being closed
    private int _closing; // slots still held by pool resources being closed (part of _total)
    private long _nextLeaseId;
    private long _created;
    private long _destroyed;
    private long _acquired;
    private long _released;
    private long _validationFailures;
    private long _timeouts;
    private long _leaks;
    private long _destroyTimeouts;
    private int _destroying; // closes in progress and not yet abandoned
    private int _pruning;
    private bool _disposed;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _destroysEnded;

    /// <summary>Initializes a new instance of the <see cref="ResourcePool{T}"/> class.</summary>
    /// <param name="options">Sizes, limits and timeouts; copied, so later changes have no effect.</param>
    /// <param name="lifecycle">Creates, validates and closes resources.</param>
    /// <param name="timeProvider">The clock and timer source; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public ResourcePool(
        ResourcePoolOptions options,
        IResourceLifecycle<T> lifecycle,
        TimeProvider? timeProvider = null,
        ILogger<ResourcePool<T>>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifecycle);
        OptionsErrors.ThrowIfAny(options.Validate(), nameof(options));
        _options = options.Clone();
        _lifecycle = lifecycle;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _trackLeases = _options.LeakDetectionThreshold > TimeSpan.Zero;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _poolTag = new("pool", _options.Name);
        _instruments = RegisterInstruments();
        _pruneTimer = _timeProvider.CreateTimer(static s => ((ResourcePool<T>)s!).OnPruneTimer(), this, _options.PruneInterval, _options.PruneInterval);
    }

    /// <summary>Initializes a new instance of the <see cref="ResourcePool{T}"/> class from delegates.</summary>
    /// <param name="options">Sizes, limits and timeouts.</param>
    /// <param name="create">Opens a resource.</param>
    /// <param name="validate">Checks a resource on borrow (with <see cref="ResourcePoolOptions.ValidateOnAcquire"/>); all pass when <see langword="null"/>.</param>
    /// <param name="destroy">Closes a resource, within <see cref="ResourcePoolOptions.DestroyTimeout"/>, after which its token is cancelled (see <see cref="IResourceLifecycle{T}.DestroyAsync"/>); when <see langword="null"/>, disposable resources are disposed.</param>
    /// <param name="timeProvider">The clock and timer source.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public ResourcePool(
        ResourcePoolOptions options,
        Func<CancellationToken, ValueTask<T>> create,
        Func<T, CancellationToken, ValueTask<bool>>? validate = null,
        Func<T, CancellationToken, ValueTask>? destroy = null,
        TimeProvider? timeProvider = null,
        ILogger<ResourcePool<T>>? logger = null,
        IMeterFactory? meterFactory = null)
        : this(options, new DelegateResourceLifecycle<T>(create ?? throw new ArgumentNullException(nameof(create)), validate, destroy), timeProvider, logger, meterFactory)
    {
    }

    /// <summary>Raised from pruning for each lease held past <see cref="ResourcePoolOptions.LeakDetectionThreshold"/> (once per lease).</summary>
    public event EventHandler<ResourceLeakDetectedEventArgs>? LeakDetected;

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <inheritdoc />
    public int Priority => _options.Priority;

    /// <summary>Gets a snapshot of the pool's counters and sizes.</summary>
    public ResourcePoolStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                var waiting = _waiters.Count(w => !w.Completion.Task.IsCompleted);
                return new(_created, _destroyed, _acquired, _released, _validationFailures, _timeouts, _leaks, _idle.Count, _all.Count - _idle.Count, waiting, _total, _destroyTimeouts, _closing);
            }
        }
    }

    /// <summary>Borrows a resource, waiting up to <see cref="ResourcePoolOptions.AcquireTimeout"/>.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease; dispose it to give the resource back.</returns>
    /// <exception cref="ResourcePoolTimeoutException">The pool stayed full for the whole timeout, or opening a resource took longer than <see cref="ResourcePoolOptions.CreateTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public ValueTask<ResourceLease<T>> AcquireAsync(CancellationToken cancellationToken = default) =>
        AcquireAsync(_options.AcquireTimeout, cancellationToken);

    /// <summary>Borrows a resource, waiting up to <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait when the pool is full, from 0 up to 1 day; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The lease; dispose it to give the resource back.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>) or longer than 1 day.</exception>
    /// <exception cref="ResourcePoolTimeoutException">The pool stayed full for the whole timeout, or opening a resource took longer than <see cref="ResourcePoolOptions.CreateTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public ValueTask<ResourceLease<T>> AcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!ResourcePoolOptions.IsAcquireTimeout(timeout))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be between 0 and 1 day (use Timeout.InfiniteTimeSpan to wait forever).");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_options.ValidateOnAcquire)
        {
            List<PooledResource<T>>? expired = null;
            ResourceLease<T>? lease;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                lease = TryTakeIdleLocked(ref expired);
            }

            DestroyInBackground(expired);
            if (lease is { } fast)
            {
                return new(fast);
            }
        }

        return AcquireSlowAsync(timeout, cancellationToken);
    }

    /// <summary>Opens resources until the pool holds at least <see cref="ResourcePoolOptions.MinSize"/>.</summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ResourcePoolTimeoutException">Opening a resource took longer than <see cref="ResourcePoolOptions.CreateTimeout"/>.</exception>
    /// <returns>A task that completes when the pool is warm.</returns>
    public async ValueTask WarmUpAsync(CancellationToken cancellationToken = default)
    {
        int deficit;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            deficit = ReserveRefillLocked();
        }

        await CreateIdleAsync(deficit, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ResourceLease<T>> AcquireSlowAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetTimestamp();
        while (true)
        {
            List<PooledResource<T>>? expired = null;
            ResourceLease<T>? lease;
            Waiter? waiter = null;
            var mayCreate = false;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                lease = TryTakeIdleLocked(ref expired);
                if (lease is null && !HasLiveWaitersLocked() && _total < _options.MaxSize)
                {
                    _total++;
                    mayCreate = true;
                }
                else if (lease is null)
                {
                    waiter = new Waiter(CaptureStackTrace());
                    waiter.Node = _waiters.AddLast(waiter);
                }
            }

            DestroyInBackground(expired);
            if (waiter is not null)
            {
                var remaining = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - _timeProvider.GetElapsedTime(startedAt);
                var handed = await WaitAsync(waiter, remaining > TimeSpan.Zero || remaining == Timeout.InfiniteTimeSpan ? remaining : TimeSpan.Zero, timeout, cancellationToken).ConfigureAwait(false);
                if (handed is null)
                {
                    mayCreate = true; // a slot was freed and reserved for this waiter
                }
                else
                {
                    lease = new ResourceLease<T>(this, handed, handed.LeaseId);
                }
            }

            if (mayCreate)
            {
                return await CreateLeasedAsync(cancellationToken).ConfigureAwait(false);
            }

            if (lease is { } borrowed && (!_options.ValidateOnAcquire || await IsValidAsync(borrowed, cancellationToken).ConfigureAwait(false)))
            {
                return borrowed;
            }
        }
    }

    private async ValueTask<PooledResource<T>?> WaitAsync(Waiter waiter, TimeSpan remaining, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CancellationTokenSource? timeoutSource = null;
        CancellationTokenRegistration timeoutRegistration = default;
        CancellationTokenRegistration cancelRegistration = default;
        var armed = false;
        try
        {
            timeoutSource = remaining == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(remaining, _timeProvider);
            timeoutRegistration = timeoutSource?.Token.UnsafeRegister(static s => ((Waiter)s!).Completion.TrySetException(new TimeoutException()), waiter) ?? default;
            cancelRegistration = cancellationToken.UnsafeRegister(static (s, token) => ((Waiter)s!).Completion.TrySetCanceled(token), waiter);
            armed = true;
            return await waiter.Completion.Task.ConfigureAwait(false);
        }
        catch (TimeoutException) when (armed)
        {
            lock (_gate)
            {
                _timeouts++;
                RemoveWaiterLocked(waiter);
            }

            LogAcquireTimedOut(_logger, _options.Name, timeout, _options.MaxSize);
            throw new ResourcePoolTimeoutException(_options.Name, timeout, _options.MaxSize);
        }
        catch (OperationCanceledException) when (armed)
        {
            lock (_gate)
            {
                RemoveWaiterLocked(waiter);
            }

            throw;
        }
        catch when (!armed)
        {
            AbandonWait(waiter);
            throw;
        }
        finally
        {
            cancelRegistration.Dispose();
            timeoutRegistration.Dispose();
            timeoutSource?.Dispose();
        }
    }

    /// <summary>
    /// Takes a queued waiter whose wait could not be set up back out of the queue, so it cannot swallow a returned
    /// resource or a freed slot; whatever was handed to it before that goes back to the pool.
    /// </summary>
    private void AbandonWait(Waiter waiter)
    {
        lock (_gate)
        {
            RemoveWaiterLocked(waiter);
        }

        if (waiter.Completion.TrySetCanceled() || !waiter.Completion.Task.IsCompletedSuccessfully)
        {
            return;
        }

        if (waiter.Completion.Task.Result is { } handed)
        {
            Release(handed, handed.LeaseId);
        }
        else
        {
            FreeSlot();
        }
    }

    /// <summary>Takes a waiter that gave up out of the queue at once, so waiters behind a long-waiting head cannot pile up.</summary>
    private void RemoveWaiterLocked(Waiter waiter)
    {
        if (waiter.Node is { List: not null } node)
        {
            _waiters.Remove(node);
        }
    }

    private bool TryDequeueWaiterLocked([NotNullWhen(true)] out Waiter? waiter)
    {
        waiter = _waiters.First?.Value;
        if (waiter is null)
        {
            return false;
        }

        _waiters.RemoveFirst();
        return true;
    }

    private async ValueTask<ResourceLease<T>> CreateLeasedAsync(CancellationToken cancellationToken)
    {
        var entry = await CreateEntryAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_disposed)
            {
                _all.Add(entry);
                return LeaseLocked(entry, CaptureStackTrace());
            }

            _closing++; // its slot is held until the close below ends
        }

        DestroyInBackground([entry]); // outside the lock: the user's close may run synchronously
        throw new ObjectDisposedException(GetType().FullName);
    }

    private ResourceLease<T>? TryTakeIdleLocked(ref List<PooledResource<T>>? expired)
    {
        if (HasLiveWaitersLocked())
        {
            return null; // FIFO: earlier waiters are served first
        }

        var now = _timeProvider.GetTimestamp();
        while (_idle.TryPop(out var entry))
        {
            if (IsExpired(entry, now, checkIdle: true))
            {
                RetireLocked(entry);
                (expired ??= []).Add(entry);
                continue;
            }

            return LeaseLocked(entry, CaptureStackTrace());
        }

        return null;
    }

    private bool HasLiveWaitersLocked()
    {
        // A waiter whose timeout or cancellation fired but has not yet taken itself out may still be at the head.
        while (_waiters.First is { } head && head.Value.Completion.Task.IsCompleted)
        {
            _waiters.RemoveFirst();
        }

        return _waiters.Count > 0;
    }

    /// <summary>Gets how many waiters are queued, including any about to take themselves out (for tests).</summary>
    internal int QueuedWaiters
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    private ResourceLease<T> LeaseLocked(PooledResource<T> entry, StackTrace? acquiredFrom)
    {
        entry.LeaseId = ++_nextLeaseId;
        entry.Broken = false;
        entry.AcquiredAt = _trackLeases ? _timeProvider.GetTimestamp() : 0;
        entry.AcquiredFrom = acquiredFrom;
        _acquired++;
        return new ResourceLease<T>(this, entry, entry.LeaseId);
    }

    private bool IsExpired(PooledResource<T> entry, long now, bool checkIdle) =>
        _timeProvider.GetElapsedTime(entry.CreatedAt, now) >= _options.MaxLifetime
        || (checkIdle && _timeProvider.GetElapsedTime(entry.LastReturnedAt, now) >= _options.MaxIdleTime);

    private StackTrace? CaptureStackTrace() =>
        _trackLeases && _options.CaptureAcquisitionStackTraces ? new StackTrace(2, fNeedFileInfo: false) : null;

    /// <summary>Hands each slot below the maximum to the next live waiter, which then creates a resource itself.</summary>
    private void GrantFreedSlotsLocked()
    {
        while (_total < _options.MaxSize && TryDequeueWaiterLocked(out var waiter))
        {
            if (waiter.Completion.TrySetResult(null))
            {
                _total++;
            }
        }
    }

    /// <summary>One caller waiting for a resource: handed an entry (already leased to it) or <see langword="null"/> (a reserved slot to create into).</summary>
    private sealed class Waiter(StackTrace? acquiredFrom)
    {
        public TaskCompletionSource<PooledResource<T>?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public StackTrace? AcquiredFrom { get; } = acquiredFrom;

        /// <summary>Gets or sets the waiter's place in the queue.</summary>
        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
