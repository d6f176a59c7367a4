using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Returning leases, pruning, leak detection, trimming and disposal.</summary>
public sealed partial class ResourcePool<T>
{
    /// <summary>Closes about <paramref name="fraction"/> of the idle resources above <see cref="ResourcePoolOptions.MinSize"/>.</summary>
    /// <param name="fraction">The share of idle resources to close, 0–1.</param>
    /// <returns>The closed count times <see cref="ResourcePoolOptions.EstimatedResourceBytes"/>.</returns>
    public long Trim(double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));

        List<PooledResource<T>> closed = [];
        lock (_gate)
        {
            var count = Math.Min((int)Math.Ceiling(_idle.Count * fraction), _total - _closing - _options.MinSize);
            for (var i = 0; i < count && _idle.TryPop(out var entry); i++)
            {
                RetireLocked(entry);
                closed.Add(entry);
            }
        }

        DestroyInBackground(closed);
        return closed.Count * _options.EstimatedResourceBytes;
    }

    /// <summary>
    /// Runs one pruning pass now (the timer runs it every <see cref="ResourcePoolOptions.PruneInterval"/>): closes
    /// resources past their lifetime, and idle ones past their idle time down to the minimum size, reopens up to the
    /// minimum, and reports leases held past the leak threshold.
    /// </summary>
    /// <param name="cancellationToken">Cancels the refill.</param>
    /// <returns>A task that completes when the pass is done.</returns>
    public async ValueTask PruneAsync(CancellationToken cancellationToken = default)
    {
        List<PooledResource<T>> closed = [];
        List<ResourceLeakDetectedEventArgs>? leaks = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _timeProvider.GetTimestamp();
            var kept = new List<PooledResource<T>>(_idle.Count);
            foreach (var entry in _idle.Reverse())
            {
                // Oldest-returned first, so idle trimming keeps the most recently used resources.
                if (IsExpired(entry, now, checkIdle: false)
                    || (_total - _closing > _options.MinSize && IsExpired(entry, now, checkIdle: true)))
                {
                    RetireLocked(entry);
                    closed.Add(entry);
                }
                else
                {
                    kept.Add(entry);
                }
            }

            _idle.Clear();
            kept.ForEach(_idle.Push);
            if (_trackLeases)
            {
                leaks = FindLeaksLocked(now);
            }
        }

        DestroyInBackground(closed);
        foreach (var leak in leaks ?? [])
        {
            LogLeakDetected(_logger, _options.Name, leak.HeldFor, leak.AcquisitionStackTrace ?? "(stack traces not captured)");
            IsolatedEvent.Raise(LeakDetected, this, leak, ex => LogLeakHandlerFailed(_logger, ex, _options.Name));
        }

        // Reserved only now, after the closes above started: those that end at once (most) have given their slots
        // back, so the refill can replace them in this pass; slots still held by slow closes are not refilled beside
        // them (the next pass, or an acquire, does it once they end).
        int deficit;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            deficit = ReserveRefillLocked();
        }

        await CreateIdleAsync(deficit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the pool: waiters fail with <see cref="ObjectDisposedException"/>, idle resources are closed, and
    /// outstanding leases are awaited for up to <see cref="ResourcePoolOptions.DisposeTimeout"/>; those returned
    /// later are closed on return. It then waits for the closes still running (these, and any pruning or returns
    /// started), each for at most <see cref="ResourcePoolOptions.DestroyTimeout"/>, so a hung close cannot hang it.
    /// It does not cancel those closes: each is told to stop (its token cancelled) only when its own timeout passes,
    /// as disposal is where graceful closes matter most, and waiting for them is already bounded.
    /// </summary>
    /// <returns>A task that completes when the pool is stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (BeginDispose() is not { } stopping)
        {
            return;
        }

        await _pruneTimer.DisposeAsync().ConfigureAwait(false);
        DestroyInBackground(stopping.Idle); // all at once: each close is bounded, and awaited below
        if (stopping.Drained is not null)
        {
            try
            {
                await stopping.Drained.WaitAsync(_options.DisposeTimeout, _timeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogDisposeTimedOut(_logger, _options.Name, _options.DisposeTimeout);
            }
        }

        await DestroysEndedAsync().ConfigureAwait(false);
        MemoryTelemetryRelease();
    }

    /// <summary>
    /// Stops the pool without waiting: waiters fail, idle resources are closed in the background, and outstanding
    /// leases are closed when returned. The closes are not cancelled; each still gets its whole
    /// <see cref="ResourcePoolOptions.DestroyTimeout"/>. Prefer <see cref="DisposeAsync"/>, which waits for them.
    /// </summary>
    public void Dispose()
    {
        if (BeginDispose() is not { } stopping)
        {
            return;
        }

        _pruneTimer.Dispose();
        DestroyInBackground(stopping.Idle);
        MemoryTelemetryRelease();
    }

    private (List<PooledResource<T>> Idle, Task? Drained)? BeginDispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            while (TryDequeueWaiterLocked(out var waiter))
            {
                waiter.Completion.TrySetException(new ObjectDisposedException(GetType().FullName, "The pool was disposed while waiting for a resource."));
            }

            List<PooledResource<T>> idle = [.. _idle];
            _idle.Clear();
            idle.ForEach(RetireLocked);
            if (_all.Count > 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return (idle, _drained?.Task);
        }
    }

    /// <summary>Marks the leased resource broken, if the lease is still current.</summary>
    internal void MarkBroken(PooledResource<T> entry, long leaseId)
    {
        lock (_gate)
        {
            if (entry.LeaseId == leaseId)
            {
                entry.Broken = true;
            }
        }
    }

    /// <summary>Returns a lease; a resource to close is closed in the background.</summary>
    internal void Release(PooledResource<T> entry, long leaseId)
    {
        if (ReleaseCore(entry, leaseId) is { } closed)
        {
            DestroyInBackground([closed]);
        }
    }

    /// <summary>Returns a lease; a resource to close is closed before the task completes.</summary>
    internal ValueTask ReleaseAsync(PooledResource<T> entry, long leaseId) =>
        ReleaseCore(entry, leaseId) is { } closed ? DestroyAsync(closed) : ValueTask.CompletedTask;

    private PooledResource<T>? ReleaseCore(PooledResource<T> entry, long leaseId)
    {
        lock (_gate)
        {
            if (entry.LeaseId != leaseId || leaseId == 0)
            {
                return null; // already returned: a second dispose of the same lease is ignored
            }

            _released++;
            entry.LeaseId = 0;
            entry.AcquiredFrom = null;
            var now = _timeProvider.GetTimestamp();
            entry.LastReturnedAt = now;
            if (_disposed || entry.Broken || IsExpired(entry, now, checkIdle: false))
            {
                RetireLocked(entry); // its slot comes back when the close ends, which then wakes a waiter
                SignalDrainedLocked();
                return entry;
            }

            ReturnToPoolLocked(entry);
            return null;
        }
    }

    /// <summary>Gives a usable resource to the first live waiter, or puts it back as idle.</summary>
    private void ReturnToPoolLocked(PooledResource<T> entry)
    {
        while (TryDequeueWaiterLocked(out var waiter))
        {
            if (waiter.Completion.Task.IsCompleted)
            {
                continue;
            }

            LeaseLocked(entry, waiter.AcquiredFrom);
            if (waiter.Completion.TrySetResult(entry))
            {
                return;
            }

            // The waiter timed out between the check and the hand-off: undo and try the next one.
            entry.LeaseId = 0;
            _acquired--;
        }

        _idle.Push(entry);
    }

    /// <summary>
    /// Takes a resource out of service for closing. It keeps its slot under <see cref="ResourcePoolOptions.MaxSize"/>
    /// until <see cref="DestroyAsync(PooledResource{T})"/> ends or abandons the close, which the caller must start.
    /// </summary>
    private void RetireLocked(PooledResource<T> entry)
    {
        _all.Remove(entry);
        _closing++;
    }

    /// <summary>
    /// Reserves slots for refilling up to <see cref="ResourcePoolOptions.MinSize"/> usable resources (those being
    /// closed do not count), within the room <see cref="ResourcePoolOptions.MaxSize"/> leaves beside them.
    /// </summary>
    /// <returns>How many slots were reserved.</returns>
    private int ReserveRefillLocked()
    {
        var deficit = Math.Max(0, Math.Min(_options.MinSize - (_total - _closing), _options.MaxSize - _total));
        _total += deficit;
        return deficit;
    }

    private void SignalDrainedLocked()
    {
        if (_disposed && _all.Count == 0)
        {
            _drained?.TrySetResult();
        }
    }

    private async ValueTask CreateIdleAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            PooledResource<T> entry;
            try
            {
                entry = await CreateEntryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (ex is not OperationCanceledException)
                {
                    LogCreateFailed(_logger, ex, _options.Name);
                }

                lock (_gate)
                {
                    _total -= count - i - 1; // release the slots this refill will no longer use
                    GrantFreedSlotsLocked();
                }

                throw;
            }

            PooledResource<T>? closed = null;
            lock (_gate)
            {
                _all.Add(entry);
                if (_disposed)
                {
                    RetireLocked(entry);
                    closed = entry;
                }
                else
                {
                    ReturnToPoolLocked(entry);
                }
            }

            if (closed is not null)
            {
                await DestroyAsync(closed).ConfigureAwait(false);
            }
        }
    }

    private List<ResourceLeakDetectedEventArgs>? FindLeaksLocked(long now)
    {
        List<ResourceLeakDetectedEventArgs>? leaks = null;
        foreach (var entry in _all)
        {
            if (entry.LeaseId == 0 || entry.ReportedLeakLeaseId == entry.LeaseId)
            {
                continue;
            }

            var heldFor = _timeProvider.GetElapsedTime(entry.AcquiredAt, now);
            if (heldFor >= _options.LeakDetectionThreshold)
            {
                entry.ReportedLeakLeaseId = entry.LeaseId;
                _leaks++;
                (leaks ??= []).Add(new ResourceLeakDetectedEventArgs(_options.Name, heldFor, entry.AcquiredFrom?.ToString()));
            }
        }

        return leaks;
    }

    private void OnPruneTimer()
    {
        if (Interlocked.Exchange(ref _pruning, 1) == 1)
        {
            return; // the previous pass is still running
        }

        _ = RunPruneAsync();
    }

    private async Task RunPruneAsync()
    {
        try
        {
            await PruneAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed refill is logged; the next tick tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPruneFailed(_logger, ex, _options.Name);
        }
        finally
        {
            Volatile.Write(ref _pruning, 0);
        }
    }
}
