using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.LazyComponents;

/// <summary>
/// Heavy components (models, browsers, speech engines) created on first use, asynchronously and once even under
/// concurrent first calls, with their creation time recorded. Components can be unloaded when idle, when a cap on
/// simultaneously loaded components is reached, or under memory pressure, choosing the victim by
/// <see cref="UnloadStrategy"/>. Unloaded instances are disposed; the next call creates a new one. Hold a component
/// for a unit of work with <see cref="AcquireAsync{T}"/>: a leased component is never unloaded for idleness, the cap
/// or pressure, and an explicit unload or the registry's disposal defers disposing it until the lease is released.
/// <see cref="GetAsync{T}"/> returns the bare instance with no such protection.
/// </summary>
public sealed partial class LazyComponentRegistry : IMemoryReclaimer, IAsyncDisposable, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ComponentSlot> _slots = new(StringComparer.Ordinal);
    private readonly LazyComponentOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly Counter<long> _loads;
    private readonly Counter<long> _unloads;
    private readonly IDisposable _instruments;
    private readonly ITimer? _sweepTimer;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="LazyComponentRegistry"/> class.</summary>
    /// <param name="options">The cap, idle timeout and strategy; defaults when <see langword="null"/>; copied, so later changes have no effect.</param>
    /// <param name="timeProvider">The clock and timer source; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public LazyComponentRegistry(LazyComponentOptions? options = null, TimeProvider? timeProvider = null, ILogger<LazyComponentRegistry>? logger = null, IMeterFactory? meterFactory = null)
    {
        _options = options?.Clone() ?? new LazyComponentOptions();
        OptionsErrors.ThrowIfAny(_options.Validate(), nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _loads = _meter.CreateCounter<long>("resourcekit.memory.lazy.loads", "{load}", "Lazy components created.");
        _unloads = _meter.CreateCounter<long>("resourcekit.memory.lazy.unloads", "{unload}", "Lazy components unloaded.");
        _instruments = SharedObservableInstruments<LazyComponentRegistry>.Register(_meter, () => this, new("registry", Name), CreateInstruments);
        if (_options.IdleTimeout > TimeSpan.Zero)
        {
            _sweepTimer = _timeProvider.CreateTimer(static s => ((LazyComponentRegistry)s!).OnSweepTimer(), this, _options.SweepInterval, _options.SweepInterval);
        }
    }

    /// <inheritdoc />
    public string Name => "lazy-components";

    /// <inheritdoc />
    public int Priority => _options.Priority;

    /// <summary>Gets a snapshot of every registered component.</summary>
    public IReadOnlyList<LazyComponentInfo> Components
    {
        get
        {
            lock (_gate)
            {
                var now = _timeProvider.GetTimestamp();
                return [.. _slots.Values.Select(s => new LazyComponentInfo(
                    s.Name,
                    s.Instance is not null,
                    s.LastInitTime,
                    s.LoadCount,
                    s.UnloadCount,
                    s.Instance is null ? null : _timeProvider.GetElapsedTime(s.LastUsed, now),
                    s.Settings))];
            }
        }
    }

    /// <summary>One gauge per meter for every registry on it: a gauge per registry would keep disposed ones alive on a host's shared meter.</summary>
    private static void CreateInstruments(Meter meter, SharedObservableInstruments<LazyComponentRegistry> registries) =>
        meter.CreateObservableGauge("resourcekit.memory.lazy.loaded", () => registries.Observe(r => r.LoadedCount), "{component}", "Lazy components loaded now.");

    private int LoadedCount
    {
        get
        {
            lock (_gate)
            {
                return _slots.Values.Count(s => s.Instance is not null);
            }
        }
    }

    /// <summary>Registers a component; nothing is created until the first <see cref="GetAsync{T}"/>.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <param name="name">A unique name.</param>
    /// <param name="factory">Creates the component.</param>
    /// <param name="settings">Priority, size estimate and whether it may be unloaded.</param>
    /// <exception cref="ArgumentException">A component with <paramref name="name"/> is already registered.</exception>
    public void Register<T>(string name, Func<CancellationToken, ValueTask<T>> factory, LazyComponentSettings settings = default)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.EstimatedBytes, nameof(settings));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_slots.TryAdd(name, new ComponentSlot(name, typeof(T), async ct => await factory(ct).ConfigureAwait(false), settings)))
            {
                throw new ArgumentException($"A component named '{name}' is already registered.", nameof(name));
            }
        }
    }

    /// <summary>Gets a component, creating it on first use (concurrent first calls share one creation).</summary>
    /// <remarks>
    /// The instance is not protected: the idle sweep, the <see cref="LazyComponentOptions.MaxLoaded"/> cap,
    /// <see cref="Trim"/>, <see cref="UnloadAsync"/> and disposal may unload and dispose it at any time, even while
    /// the caller is still using it. Use <see cref="AcquireAsync{T}"/> to hold it for a unit of work.
    /// </remarks>
    /// <typeparam name="T">The type it was registered with.</typeparam>
    /// <param name="name">The component's name.</param>
    /// <param name="cancellationToken">Stops waiting; the creation itself carries on for other callers.</param>
    /// <returns>The component.</returns>
    /// <exception cref="ArgumentException">No component with that name and type is registered.</exception>
    public async ValueTask<T> GetAsync<T>(string name, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        while (true)
        {
            PendingLoad load;
            lock (_gate)
            {
                var slot = FindLocked<T>(name);
                slot.LastUsed = _timeProvider.GetTimestamp();
                if (slot.Instance is T ready)
                {
                    return ready;
                }

                load = JoinLoadLocked(slot);
            }

            var loaded = await ReceiveAsync(load, cancellationToken).ConfigureAwait(false);
            bool detached;
            object? orphan;
            lock (_gate)
            {
                detached = loaded.Detached;
                orphan = EndHandOffLocked(loaded);
            }

            if (!detached)
            {
                return (T)loaded.Value;
            }

            // Unloaded explicitly (or the registry disposed) before this caller got it: never hand out an instance
            // that is being disposed; load again (FindLocked throws ObjectDisposedException once disposed).
            if (orphan is not null)
            {
                await DisposeInstanceAsync(orphan).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gets a value indicating whether a component is loaded now.</summary>
    /// <param name="name">The component's name.</param>
    /// <returns><see langword="true"/> when an instance exists.</returns>
    public bool IsLoaded(string name)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(name, out var slot) && slot.Instance is not null;
        }
    }

    /// <summary>Unloads (and disposes) a component if it is loaded; if it is leased, the last lease's release disposes it.</summary>
    /// <param name="name">The component's name.</param>
    /// <returns><see langword="true"/> when it was loaded.</returns>
    public async ValueTask<bool> UnloadAsync(string name)
    {
        object? instance;
        lock (_gate)
        {
            if (!_slots.TryGetValue(name, out var slot) || slot.Instance is null)
            {
                return false;
            }

            instance = DetachLocked(slot);
        }

        if (instance is not null)
        {
            await DisposeInstanceAsync(instance).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Unloads about <paramref name="fraction"/> of the loaded components that are neither pinned nor leased, chosen by the strategy.</summary>
    /// <param name="fraction">The share to unload, 0–1.</param>
    /// <returns>The sum of their estimated sizes.</returns>
    public long Trim(double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));

        List<object> detached = [];
        long freed = 0;
        lock (_gate)
        {
            var candidates = _slots.Values.Count(IsUnloadable);
            var count = (int)Math.Ceiling(candidates * fraction);
            for (var i = 0; i < count && PickVictimLocked() is { } victim; i++)
            {
                freed += victim.Settings.EstimatedBytes;
                detached.Add(DetachLocked(victim)!); // victims are never leased
            }
        }

        detached.ForEach(DisposeInBackground);
        return freed;
    }

    /// <summary>Unloads every component idle longer than <see cref="LazyComponentOptions.IdleTimeout"/> (the sweep timer calls this); a leased component is in use, not idle.</summary>
    /// <returns>How many were unloaded.</returns>
    public int UnloadIdle()
    {
        if (_options.IdleTimeout <= TimeSpan.Zero)
        {
            return 0;
        }

        List<(string Name, object Instance)> detached = [];
        lock (_gate)
        {
            var now = _timeProvider.GetTimestamp();
            foreach (var slot in _slots.Values.Where(s => IsUnloadable(s) && _timeProvider.GetElapsedTime(s.LastUsed, now) >= _options.IdleTimeout).ToList())
            {
                detached.Add((slot.Name, DetachLocked(slot)!)); // unloadable slots are never leased
            }
        }

        try
        {
            foreach (var (name, _) in detached)
            {
                LogUnloadedIdle(_logger, name, _options.IdleTimeout);
            }
        }
        finally
        {
            // Detached instances are no longer reachable from a slot: dispose them even when logging threw.
            foreach (var (_, instance) in detached)
            {
                DisposeInBackground(instance);
            }
        }

        return detached.Count;
    }

    private void OnSweepTimer()
    {
        try
        {
            UnloadIdle();
        }
#pragma warning disable CA1031 // A timer callback must not throw: it would take the host down and stop later sweeps.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastResortLog.Write((_logger, ex), static s => LogSweepFailed(s._logger, s.ex));
        }
    }

    /// <summary>
    /// Stops the sweep and disposes every loaded component; a leased one is disposed when its last lease is released.
    /// A component still being created is disposed as soon as its factory finishes, and its callers get
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <returns>A task that completes when all loaded components are disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (DetachAll() is not { } detached)
        {
            return;
        }

        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var instance in detached)
        {
            await DisposeInstanceAsync(instance).ConfigureAwait(false);
        }

        _instruments.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    /// <summary>Stops the sweep and disposes every loaded component; components that are only <see cref="IAsyncDisposable"/> are disposed in the background, and one still being created is disposed when its factory finishes.</summary>
    public void Dispose()
    {
        if (DetachAll() is not { } detached)
        {
            return;
        }

        _sweepTimer?.Dispose();
        detached.ForEach(DisposeInBackground);
        _instruments.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    private List<object>? DetachAll()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            return [.. _slots.Values.Where(s => s.Instance is not null).Select(DetachLocked).OfType<object>()];
        }
    }
}
