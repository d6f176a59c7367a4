using Microsoft.Extensions.Logging;

namespace ResourceKit.Memory.LazyComponents;

/// <summary>Creation, the loaded-instance cap and victim selection.</summary>
public sealed partial class LazyComponentRegistry
{
    private async Task<object> LoadAsync(ComponentSlot slot)
    {
        await Task.Yield(); // run the factory outside the caller's lock scope
        object? victimInstance = null;
        lock (_gate)
        {
            var loaded = _slots.Values.Count(s => s.Instance is not null || (s.Loading is not null && s != slot));
            if (_options.MaxLoaded > 0 && loaded >= _options.MaxLoaded)
            {
                if (PickVictimLocked() is { } victim)
                {
                    LogUnloadedForCap(_logger, victim.Name, slot.Name, _options.MaxLoaded);
                    victimInstance = DetachLocked(victim);
                }
                else
                {
                    LogCapExceeded(_logger, slot.Name, _options.MaxLoaded);
                }
            }
        }

        if (victimInstance is not null)
        {
            await DisposeInstanceAsync(victimInstance).ConfigureAwait(false);
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
            }

            LogLoadFailed(_logger, ex, slot.Name);
            throw;
        }

        var initTime = _timeProvider.GetElapsedTime(started);
        bool disposed;
        lock (_gate)
        {
            slot.Loading = null;
            disposed = _disposed;
            if (!disposed)
            {
                slot.Instance = instance;
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
        return instance;
    }

    private static bool IsUnloadable(ComponentSlot slot) => slot.Instance is not null && !slot.Settings.Pinned;

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

    private object DetachLocked(ComponentSlot slot)
    {
        var instance = slot.Instance!;
        slot.Instance = null;
        slot.UnloadCount++;
        _unloads.Add(1, new KeyValuePair<string, object?>("component", slot.Name));
        return instance;
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

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Loading {Component} exceeds the cap of {MaxLoaded}: every loaded component is pinned.")]
    private static partial void LogCapExceeded(ILogger logger, string component, int maxLoaded);

    [LoggerMessage(EventId = 44, Level = LogLevel.Information, Message = "Unloaded {Component}: idle for more than {IdleTimeout}.")]
    private static partial void LogUnloadedIdle(ILogger logger, string component, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 45, Level = LogLevel.Error, Message = "Disposing an unloaded lazy component failed.")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information, Message = "Lazy component {Component} finished loading after the registry was disposed; it is disposed at once.")]
    private static partial void LogDisposedWhileLoading(ILogger logger, string component);
}
