namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Creating, validating and closing resources, each bounded by its timeout.</summary>
public sealed partial class ResourcePool<T>
{
    /// <summary>
    /// Opens one resource for a slot already counted in <see cref="_total"/>. A call that fails gives the slot back at
    /// once. A call abandoned while still running (it outlived <see cref="ResourcePoolOptions.CreateTimeout"/> or the
    /// caller cancelled, and it ignores its token) keeps its slot, and its token's sources, until it ends: a hung
    /// backend then gets at most <see cref="ResourcePoolOptions.MaxSize"/> connects, and further acquires wait for a
    /// slot (and time out with <see cref="ResourcePoolOptions.AcquireTimeout"/>) instead of starting another one.
    /// </summary>
    private async ValueTask<PooledResource<T>> CreateEntryAsync(CancellationToken cancellationToken)
    {
        var deadline = new LifecycleDeadline(_options.CreateTimeout, _timeProvider, cancellationToken);
        Task<T>? creating = null;
        var abandoned = false;
        try
        {
            var pending = _lifecycle.CreateAsync(deadline.Token);
            T value;
            if (pending.IsCompleted)
            {
                value = await pending.ConfigureAwait(false);
            }
            else
            {
                // Waiting on the task rather than trusting the factory to honour its token: a connect that ignores
                // cancellation must not hold the caller or the pruning timer.
                creating = pending.AsTask();
                value = await creating.WaitAsync(deadline.Token).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _created++;
            }

            return new PooledResource<T>(value, _timeProvider.GetTimestamp());
        }
        catch (OperationCanceledException ex) when (creating is not null)
        {
            abandoned = true;
            _ = FinishAbandonedCreateAsync(creating, deadline);
            if (!deadline.TimedOut)
            {
                cancellationToken.ThrowIfCancellationRequested(); // with the caller's token, not the linked one
                throw;
            }

            LogCreateTimedOut(_logger, _options.Name, _options.CreateTimeout);
            throw new ResourcePoolTimeoutException(
                _options.Name,
                _options.CreateTimeout,
                _options.MaxSize,
                $"Opening a resource for pool '{_options.Name}' took longer than {_options.CreateTimeout} (CreateTimeout); the attempt was abandoned and keeps its slot until it ends.",
                ex);
        }
        catch
        {
            FreeSlot();
            throw;
        }
        finally
        {
            if (!abandoned)
            {
                deadline.Dispose();
            }
        }
    }

    /// <summary>Waits for an abandoned creation to end, closes what it opened, then gives back its slot and disposes its token's sources.</summary>
    private async Task FinishAbandonedCreateAsync(Task<T> creating, LifecycleDeadline deadline)
    {
        try
        {
            await CloseIfOpenedLateAsync(creating).ConfigureAwait(false);
        }
        finally
        {
            deadline.Dispose();
            FreeSlot();
        }
    }

    private void FreeSlot()
    {
        lock (_gate)
        {
            _total--;
            GrantFreedSlotsLocked();
        }
    }

    /// <summary>Closes the resource an abandoned creation opens after its caller gave up on it.</summary>
    private async Task CloseIfOpenedLateAsync(Task<T> creating)
    {
        T value;
        try
        {
            value = await creating.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The caller already got its timeout or cancellation; a late failure has nobody to go to.
        catch (Exception)
#pragma warning restore CA1031
        {
            return;
        }

        await CloseAsync(value, pooled: false).ConfigureAwait(false); // never counted as created, so not as destroyed
    }

    private async ValueTask<bool> IsValidAsync(ResourceLease<T> lease, CancellationToken cancellationToken)
    {
        bool valid;
        Task<bool>? validating = null;
        var deadline = new LifecycleDeadline(_options.ValidationTimeout, _timeProvider, cancellationToken);
        try
        {
            var pending = _lifecycle.ValidateAsync(lease.Resource, deadline.Token);
            if (pending.IsCompleted)
            {
                valid = await pending.ConfigureAwait(false);
            }
            else
            {
                validating = pending.AsTask();
                valid = await validating.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (validating is { IsCompleted: false })
            {
                lease.MarkBroken(); // a validator still running on it must not hand it to the next caller
            }

            // Closed in the background: the caller asked to stop waiting, so it must not wait out a slow close.
            lease.Dispose();
            cancellationToken.ThrowIfCancellationRequested(); // with the caller's token, not the linked one
            throw;
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            LogValidationTimedOut(_logger, _options.Name, _options.ValidationTimeout);
            valid = false;
        }
#pragma warning disable CA1031 // A validator that throws marks the resource as unusable, like returning false.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogValidationThrew(_logger, ex, _options.Name);
            valid = false;
        }
        finally
        {
            if (validating is { IsCompleted: false })
            {
                // Abandoned (timed out, or the caller cancelled and the rethrow above is on its way).
                DisposeWhenEnded(validating, deadline);
            }
            else
            {
                deadline.Dispose();
            }
        }

        if (!valid)
        {
            lock (_gate)
            {
                _validationFailures++;
            }

            lease.MarkBroken();
            await lease.DisposeAsync().ConfigureAwait(false);
        }

        return valid;
    }

    /// <summary>Closes retired resources without waiting for them; <see cref="DisposeAsync"/> still waits for each close (within its timeout).</summary>
    private void DestroyInBackground(List<PooledResource<T>>? entries)
    {
        if (entries is null)
        {
            return;
        }

        foreach (var entry in entries)
        {
            var pending = DestroyAsync(entry);
            if (!pending.IsCompletedSuccessfully)
            {
                _ = pending.AsTask(); // never faults: failures are logged inside
            }
        }
    }

    /// <summary>Closes a pool resource taken out of service by <see cref="RetireLocked"/>; its slot comes back when the close ends or is abandoned. Never throws.</summary>
    private ValueTask DestroyAsync(PooledResource<T> entry) => CloseAsync(entry.Value, pooled: true);

    /// <summary>
    /// Closes one resource within <see cref="ResourcePoolOptions.DestroyTimeout"/>; never throws. While it runs it is
    /// counted in <see cref="_destroying"/>, which <see cref="DisposeAsync"/> waits to reach zero. A pool resource
    /// (<paramref name="pooled"/>) also holds its slot in <see cref="_closing"/> until then, so a replacement cannot
    /// open beside it; the late close of an abandoned create holds the create's slot instead, freed by its caller.
    /// </summary>
    private async ValueTask CloseAsync(T value, bool pooled)
    {
        lock (_gate)
        {
            _destroying++;
        }

        try
        {
            await CloseWithinTimeoutAsync(value).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (pooled)
                {
                    _destroyed++;
                    _closing--;
                    _total--;
                    GrantFreedSlotsLocked();
                }

                if (--_destroying == 0)
                {
                    _destroysEnded?.TrySetResult();
                }
            }
        }
    }

    private async ValueTask CloseWithinTimeoutAsync(T value)
    {
        var deadline = _options.DestroyTimeout == Timeout.InfiniteTimeSpan ? null : new DestroyDeadline();
        ValueTask pending;
        try
        {
            pending = _lifecycle.DestroyAsync(value, deadline?.Token ?? CancellationToken.None);
        }
#pragma warning disable CA1031 // Closing a resource that fails to close must not break the pool; log it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            deadline?.Dispose();
            LogDestroyFailed(_logger, ex, _options.Name);
            return;
        }

        if (deadline is null || pending.IsCompleted)
        {
            deadline?.Dispose();
            try
            {
                await pending.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // As above.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogDestroyFailed(_logger, ex, _options.Name);
            }

            return;
        }

        deadline.Start(_options.DestroyTimeout, _timeProvider);
        var closing = pending.AsTask();

        // Waiting on the task rather than trusting the close to end: a browser or connection that never closes must
        // not hold the caller, the pruning timer or the pool's disposal (and with it a host's shutdown).
        await Task.WhenAny(closing, deadline.GaveUp).ConfigureAwait(false);
        if (!deadline.TimedOut)
        {
            deadline.Dispose();
            if (!closing.IsCompletedSuccessfully)
            {
                LogDestroyFailed(_logger, closing.Exception?.InnerException ?? new OperationCanceledException(), _options.Name);
            }

            return;
        }

        // The close may have ended from inside the cancellation (it honoured its token): wait until every callback
        // of the token has run, so the close has been told before its slot is freed.
        await deadline.GaveUp.ConfigureAwait(false);
        lock (_gate)
        {
            _destroyTimeouts++;
        }

        LogDestroyTimedOut(_logger, _options.Name, _options.DestroyTimeout);

        // Abandoned, or ended only because it was cancelled. A later failure is not logged, as by then the host may
        // have disposed its logging.
        DisposeWhenEnded(closing, deadline);
    }

    /// <summary>
    /// Once an abandoned lifecycle call ends, observes its failure (so it is not reported as an unobserved task
    /// exception) and disposes its deadline: the call's token stays usable for as long as the call runs.
    /// </summary>
    private static void DisposeWhenEnded(Task abandoned, IDisposable deadline) =>
        _ = abandoned.ContinueWith(
            static (t, state) =>
            {
                _ = t.Exception;
                ((IDisposable)state!).Dispose();
            },
            deadline,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Waits for the closes running now to end or be abandoned (each within its timeout).</summary>
    private Task DestroysEndedAsync()
    {
        lock (_gate)
        {
            return _destroying == 0
                ? Task.CompletedTask
                : (_destroysEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>The token for one lifecycle call: the caller's, cancelled also when the timeout (on the pool's clock) passes.</summary>
    private sealed class LifecycleDeadline : IDisposable
    {
        private readonly CancellationTokenSource? _timeout;
        private readonly CancellationTokenSource? _linked;
        private readonly CancellationToken _caller;

        public LifecycleDeadline(TimeSpan timeout, TimeProvider timeProvider, CancellationToken caller)
        {
            _caller = caller;
            if (timeout == Timeout.InfiniteTimeSpan)
            {
                Token = caller;
                return;
            }

            _timeout = new CancellationTokenSource(timeout, timeProvider);
            _linked = caller.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(caller, _timeout.Token) : null;
            Token = _linked?.Token ?? _timeout.Token;
        }

        public CancellationToken Token { get; }

        /// <summary>Gets a value indicating whether the timeout, not the caller, cancelled the call.</summary>
        public bool TimedOut => _timeout is { IsCancellationRequested: true } && !_caller.IsCancellationRequested;

        public void Dispose()
        {
            _linked?.Dispose();
            _timeout?.Dispose();
        }
    }
}
