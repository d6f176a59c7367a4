using Microsoft.Extensions.Logging;

namespace ResourceKit.Memory.LazyComponents;

/// <summary>Creation, the loaded-instance cap and victim selection.</summary>
public sealed partial class LazyComponentRegistry
{
    /// <summary>Joins the slot's creation in progress, starting one when there is none; the caller then gets a hand-off from <see cref="ReceiveAsync"/>.</summary>
    private PendingLoad JoinLoadLocked(ComponentSlot slot)
    {
        if (slot.Loading is not { } load)
        {
            load = new PendingLoad();
            slot.Loading = load;
            load.Completion = LoadAsync(slot, load); // yields before touching the slot, so this lock is not re-entered

            // Every waiter may give up before a failure: observe it here so it is never reported as unobserved.
            _ = load.Completion.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        load.Waiters++;
        return load;
    }

    /// <summary>
    /// Waits for a load joined with <see cref="JoinLoadLocked"/> and returns the instance with this caller's hand-off
    /// still held (end it with <see cref="LoadedComponent.EndHandOff"/> or turn it into a lease). A caller that gives up
    /// gives its hand-off back, so the instance does not stay protected from eviction on its account.
    /// </summary>
    private async ValueTask<LoadedComponent> ReceiveAsync(PendingLoad load, CancellationToken cancellationToken)
    {
        try
        {
            await load.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            object? orphan = null;
            lock (_gate)
            {
                if (load.Result is { } loaded)
                {
                    orphan = EndHandOffLocked(loaded); // created just as this caller gave up
                }
                else
                {
                    load.Waiters--;
                }
            }

            if (orphan is not null)
            {
                DisposeInBackground(orphan);
            }

            throw;
        }

        return load.Result!;
    }

    /// <summary>Ends one hand-off; returns the instance to dispose when it was unloaded meanwhile and nothing else holds it.</summary>
    private static object? EndHandOffLocked(LoadedComponent loaded)
    {
        loaded.EndHandOff();
        return loaded.Detached && !loaded.InUse ? loaded.Value : null;
    }

    private async Task LoadAsync(ComponentSlot slot, PendingLoad load)
    {
        await Task.Yield(); // run the factory outside the caller's lock scope
        try
        {
            await TakeCapPlaceAsync(slot).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                slot.Loading = null;
            }

            throw;
        }

        var started = _timeProvider.GetTimestamp();
        object instance;
        try
        {
            instance = await slot.Factory(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                slot.Loading = null; // the next call tries again
                slot.HoldsCapPlace = false;
            }

            LogLoadFailed(_logger, ex, slot.Name);
            throw;
        }

        var initTime = _timeProvider.GetElapsedTime(started);
        bool disposed;
        lock (_gate)
        {
            slot.Loading = null;
            slot.HoldsCapPlace = false;
            disposed = _disposed;
            if (!disposed)
            {
                // Every waiting caller holds a hand-off until it has the instance, so a load waiting for a cap place
                // cannot evict (and dispose) it in between.
                slot.Current = load.Result = new LoadedComponent(instance, load.Waiters);
                slot.LastInitTime = initTime;
                slot.LoadCount++;
                slot.LastUsed = _timeProvider.GetTimestamp();
            }
        }

        if (disposed)
        {
            // The registry was disposed while the factory ran: nobody would ever dispose this instance (a browser or
            // model process would outlive the registry), so dispose it here and fail the waiters.
            LogDisposedWhileLoading(_logger, slot.Name);
            await DisposeInstanceAsync(instance).ConfigureAwait(false);
            throw new ObjectDisposedException(GetType().FullName, $"The registry was disposed while component '{slot.Name}' was loading.");
        }

        _loads.Add(1, new KeyValuePair<string, object?>("component", slot.Name));
        LogLoaded(_logger, slot.Name, initTime);
    }

    /// <summary>
    /// Takes one of the <see cref="LazyComponentOptions.MaxLoaded"/> places before the factory runs. Loads in progress
    /// hold their place too, so concurrent first loads of different components cannot all pass the check. When every
    /// place is taken: unload a victim; else wait for an unpinned load in progress to finish or for a finished one to
    /// reach its callers (it may then become a victim); else (everything is pinned or in use) go over the cap with a
    /// warning.
    /// </summary>
    private async Task TakeCapPlaceAsync(ComponentSlot slot)
    {
        while (true)
        {
            object? victimInstance = null;
            Task? inProgress = null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_options.MaxLoaded == 0)
                {
                    return;
                }

                var taken = _slots.Values.Count(s => s != slot && (s.Current is not null || s.HoldsCapPlace));
                if (taken < _options.MaxLoaded)
                {
                    slot.HoldsCapPlace = true;
                    return;
                }

                if (PickVictimLocked() is { } victim)
                {
                    LogUnloadedForCap(_logger, victim.Name, slot.Name, _options.MaxLoaded);
                    victimInstance = DetachLocked(victim);
                    slot.HoldsCapPlace = true;
                }
                else if (PendingEvictionsLocked() is { Count: > 0 } pending)
                {
                    // A reserved load never waits, and a hand-off ends as soon as its caller resumes, so waiting on
                    // either cannot form a cycle.
                    inProgress = Task.WhenAny(pending);
                }
                else
                {
                    LogCapExceeded(_logger, slot.Name, _options.MaxLoaded);
                    slot.HoldsCapPlace = true;
                    return;
                }
            }

            if (inProgress is not null)
            {
                await inProgress.ConfigureAwait(false); // WhenAny never throws; the load's own callers see its failure
                continue;
            }

            if (victimInstance is not null)
            {
                await DisposeInstanceAsync(victimInstance).ConfigureAwait(false);
            }

            return;
        }
    }

    /// <summary>Whether eviction (idle sweep, cap, trim) may take the component: loaded, not pinned, not leased and received by every caller that waited for it.</summary>
    private static bool IsUnloadable(ComponentSlot slot) => slot.Current is { InUse: false } && !slot.Settings.Pinned;

    /// <summary>What may soon free a cap place: unpinned loads in progress, and unpinned, unleased loads not yet received by their callers.</summary>
    private List<Task> PendingEvictionsLocked()
    {
        List<Task> pending = [];
        foreach (var s in _slots.Values.Where(s => !s.Settings.Pinned))
        {
            if (s.HoldsCapPlace && s.Loading is { } load)
            {
                pending.Add(load.Completion);
            }
            else if (s.Current is { Leases: 0, HandOffs: > 0 } handingOff)
            {
                pending.Add(handingOff.HandedOff);
            }
        }

        return pending;
    }

    private ComponentSlot? PickVictimLocked()
    {
        var now = _timeProvider.GetTimestamp();
        var candidates = _slots.Values.Where(IsUnloadable);
        return _options.Strategy switch
        {
            UnloadStrategy.Priority => candidates.OrderBy(s => s.Settings.Priority).ThenBy(s => s.LastUsed).FirstOrDefault(),
            UnloadStrategy.Hybrid => candidates
                .OrderByDescending(s => _timeProvider.GetElapsedTime(s.LastUsed, now).TotalSeconds / (1 + Math.Max(0, s.Settings.Priority)))
                .ThenBy(s => s.LastUsed)
                .FirstOrDefault(),
            _ => candidates.OrderBy(s => s.LastUsed).FirstOrDefault(),
        };
    }

    /// <summary>Unloads the slot's instance; returns it for disposal, or <see langword="null"/> when leases or hand-offs hold it (the last release disposes it).</summary>
    private object? DetachLocked(ComponentSlot slot)
    {
        var current = slot.Current!;
        slot.Current = null;
        slot.UnloadCount++;
        _unloads.Add(1, new KeyValuePair<string, object?>("component", slot.Name));
        if (current.InUse)
        {
            current.Detached = true;
            return null;
        }

        return current.Value;
    }

    private void DisposeInBackground(object instance)
    {
        var pending = DisposeInstanceAsync(instance);
        if (!pending.IsCompletedSuccessfully)
        {
            _ = pending.AsTask(); // DisposeInstanceAsync logs its own failures
        }
    }

    private async ValueTask DisposeInstanceAsync(object instance)
    {
        try
        {
            if (instance is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                (instance as IDisposable)?.Dispose();
            }
        }
#pragma warning disable CA1031 // A component that fails to dispose must not break unloading of the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogDisposeFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Lazy component {Component} created in {InitTime}.")]
    private static partial void LogLoaded(ILogger logger, string component, TimeSpan initTime);

    [LoggerMessage(EventId = 41, Level = LogLevel.Error, Message = "Creating lazy component {Component} failed; the next call tries again.")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string component);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Unloaded {Victim} to make room for {Component} (at most {MaxLoaded} loaded).")]
    private static partial void LogUnloadedForCap(ILogger logger, string victim, string component, int maxLoaded);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Loading {Component} exceeds the cap of {MaxLoaded}: every loaded component is pinned or leased.")]
    private static partial void LogCapExceeded(ILogger logger, string component, int maxLoaded);

    [LoggerMessage(EventId = 44, Level = LogLevel.Information, Message = "Unloaded {Component}: idle for more than {IdleTimeout}.")]
    private static partial void LogUnloadedIdle(ILogger logger, string component, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 45, Level = LogLevel.Error, Message = "Disposing an unloaded lazy component failed.")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 47, Level = LogLevel.Error, Message = "The idle sweep of lazy components failed; the next sweep tries again.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information, Message = "Lazy component {Component} finished loading after the registry was disposed; it is disposed at once.")]
    private static partial void LogDisposedWhileLoading(ILogger logger, string component);
}
