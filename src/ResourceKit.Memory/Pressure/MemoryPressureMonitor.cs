using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.Pressure;

/// <summary>
/// Samples memory on a <see cref="TimeProvider"/> timer, turns the ratio of used to available memory into a
/// <see cref="MemoryPressureLevel"/> with hysteresis, raises <see cref="LevelChanged"/>, and at Critical or
/// Emergency runs a <see cref="MemoryReclamation"/> pass.
/// </summary>
public sealed partial class MemoryPressureMonitor : IDisposable
{
    private readonly MemoryPressureOptions _options;
    private readonly MemoryReclamation? _reclamation;
    private readonly IMemorySource _source;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly Counter<long> _levelChanges;
    private readonly Lock _gate = new();
    private readonly Lock _sampling = new(); // orders read -> classify -> queueing LevelChanged across overlapping samples
    private readonly Queue<MemoryPressureChangedEventArgs> _pendingEvents = new(); // guarded by _gate
    private ITimer? _timer;
    private bool _disposed;
    private MemoryPressureLevel _level;
    private MemoryReading _reading;
    private long _samples;
    private long _sampleFailures;
    private long _levelChangeCount;
    private long _reclamations;
    private ReclamationReport? _lastReclamation;
    private MemoryPressureLevel _lastReclaimedLevel;
    private long _lastReclaimTimestamp;
    private bool _reclaiming;
    private bool _raising; // a sample's thread is raising the queued events; guarded by _gate

    /// <summary>Initializes a new instance of the <see cref="MemoryPressureMonitor"/> class.</summary>
    /// <param name="options">The thresholds, interval and reclamation settings; copied, so later changes have no effect.</param>
    /// <param name="reclamation">The reclaimers to run under pressure; none when <see langword="null"/>.</param>
    /// <param name="source">The memory source; defaults to a <see cref="GcMemorySource"/> built from <paramref name="options"/>.</param>
    /// <param name="timeProvider">The clock and timer source; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public MemoryPressureMonitor(
        MemoryPressureOptions options,
        MemoryReclamation? reclamation = null,
        IMemorySource? source = null,
        TimeProvider? timeProvider = null,
        ILogger<MemoryPressureMonitor>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid(nameof(options));
        _options = options.Clone();
        _reclamation = reclamation;
        _source = source ?? new GcMemorySource(_options.Measure, _options.LimitBytes);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _levelChanges = _meter.CreateCounter<long>("resourcekit.memory.pressure.level_changes", "{change}", "Memory pressure level changes.");
        _meter.CreateObservableGauge("resourcekit.memory.pressure.ratio", () => Reading.Ratio, "1", "Used memory divided by available memory.");
        _meter.CreateObservableGauge("resourcekit.memory.pressure.level", () => (int)Level, "{level}", "Memory pressure level: 0 normal, 1 warning, 2 critical, 3 emergency.");
        _meter.CreateObservableGauge("resourcekit.memory.used", () => Reading.UsedBytes, "By", "Memory in use at the last sample.");
        _meter.CreateObservableGauge("resourcekit.memory.limit", () => Reading.LimitBytes, "By", "Memory available at the last sample.");
    }

    /// <summary>
    /// Raised after the level changes. Raises never overlap and arrive in sample order. They run outside the sampling
    /// section, on the thread of the sample that changed the level, or of an earlier sample still raising (then that
    /// <see cref="Sample"/> may return first): a slow handler delays no other sample, and a handler may wait for a
    /// <see cref="Sample"/> on another thread.
    /// </summary>
    public event EventHandler<MemoryPressureChangedEventArgs>? LevelChanged;

    /// <summary>Gets the current level.</summary>
    public MemoryPressureLevel Level
    {
        get
        {
            lock (_gate)
            {
                return _level;
            }
        }
    }

    /// <summary>Gets the last reading.</summary>
    public MemoryReading Reading
    {
        get
        {
            lock (_gate)
            {
                return _reading;
            }
        }
    }

    /// <summary>Gets the source the monitor reads.</summary>
    internal IMemorySource Source => _source;

    /// <summary>Gets a snapshot of the monitor's state and counters.</summary>
    public MemoryPressureStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new(_level, _reading, _samples, _sampleFailures, _levelChangeCount, _reclamations, _lastReclamation);
            }
        }
    }

    /// <summary>Starts sampling every <see cref="MemoryPressureOptions.SamplingInterval"/>; the first sample is taken at once. Repeat calls are harmless.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _timer ??= _timeProvider.CreateTimer(static s => ((MemoryPressureMonitor)s!).OnTimer(), this, TimeSpan.Zero, _options.SamplingInterval);
        }
    }

    /// <summary>Stops sampling. <see cref="Start"/> resumes it.</summary>
    public void Stop()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
    }

    /// <summary>
    /// Takes one sample now: reads the source, updates the level, raises events and, when due, runs a reclamation
    /// pass before returning. Passes never overlap: a sample taken while one runs (the timer keeps sampling during a
    /// long pass) does not start another, and a rise it sees (Critical to Emergency) is reclaimed by the first sample
    /// after the running pass ends. If logging the change throws, the events are still raised and the pass still
    /// runs before the exception reaches the caller (the timer's own samples log and swallow it).
    /// </summary>
    /// <returns>The level after the sample.</returns>
    public MemoryPressureLevel Sample()
    {
        MemoryPressureLevel current = default;
        double trimFraction = -1;
        try
        {
            lock (_sampling)
            {
                var reading = _source.Read();
                MemoryPressureLevel previous;
                lock (_gate)
                {
                    _samples++;
                    _reading = reading;
                    previous = _level;
                    current = Classify(previous, reading.Ratio, _options);
                    _level = current;
                    if (current != previous)
                    {
                        _levelChangeCount++;
                    }

                    // The last reclaimed level is kept when pressure drops, so swinging between Warning and Critical
                    // waits for the cooldown instead of reclaiming (with a blocking collection) on every swing.
                    if (current >= MemoryPressureLevel.Critical && _options.ReclaimOnPressure && _reclamation is not null
                        && !_reclaiming && IsReclamationDue(current))
                    {
                        _reclaiming = true;
                        _lastReclaimedLevel = current;
                        _lastReclaimTimestamp = _timeProvider.GetTimestamp();
                        _reclamations++;
                        trimFraction = current == MemoryPressureLevel.Emergency ? _options.EmergencyTrimFraction : _options.CriticalTrimFraction;
                    }
                }

                if (current != previous)
                {
                    OnLevelChanged(previous, current, reading);
                }
            }
        }
        finally
        {
            // Even when logging the change threw: subscribers still hear of it, and a pass claimed above runs and
            // releases its claim (a claim left behind would turn reclamation off for good).
            try
            {
                RaisePendingEvents();
            }
            finally
            {
                if (trimFraction >= 0)
                {
                    Reclaim(current, trimFraction);
                }
            }
        }

        return current;
    }

    /// <summary>Runs the reclamation pass this sample claimed (outside the sampling lock: a blocking full collection at Emergency can outlast the interval, and sampling must go on meanwhile).</summary>
    private void Reclaim(MemoryPressureLevel level, double trimFraction)
    {
        ReclamationReport? report = null;
        try
        {
            report = _reclamation!.Reclaim(level, trimFraction);
        }
        finally
        {
            lock (_gate)
            {
                _reclaiming = false;
                _lastReclamation = report ?? _lastReclamation;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        Stop();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    /// <summary>Computes the next level from the current one and a ratio: rising is immediate, falling waits for the hysteresis band.</summary>
    internal static MemoryPressureLevel Classify(MemoryPressureLevel current, double ratio, MemoryPressureOptions options)
    {
        var raw = Raw(ratio, options);
        if (raw >= current)
        {
            return raw;
        }

        // Falling: only drop as far as the ratio clears each threshold by the hysteresis band.
        var held = Raw(ratio + options.Hysteresis, options);
        return held < current ? (held > raw ? held : raw) : current;
    }

    private static MemoryPressureLevel Raw(double ratio, MemoryPressureOptions options) => ratio switch
    {
        _ when ratio >= options.EmergencyRatio => MemoryPressureLevel.Emergency,
        _ when ratio >= options.CriticalRatio => MemoryPressureLevel.Critical,
        _ when ratio >= options.WarningRatio => MemoryPressureLevel.Warning,
        _ => MemoryPressureLevel.Normal,
    };

    private bool IsReclamationDue(MemoryPressureLevel current) =>
        current > _lastReclaimedLevel
        || _timeProvider.GetElapsedTime(_lastReclaimTimestamp) >= _options.ReclamationCooldown;

    private void OnLevelChanged(MemoryPressureLevel previous, MemoryPressureLevel current, MemoryReading reading)
    {
        lock (_gate)
        {
            _pendingEvents.Enqueue(new MemoryPressureChangedEventArgs(previous, current, reading)); // in sample order: queued under _sampling
        }

        // After queueing the event, so a failing logger cannot keep subscribers from hearing of the change.
        _levelChanges.Add(1, new KeyValuePair<string, object?>("level", current.ToString()));
        LogLevelChanged(_logger, previous, current, reading.Ratio, reading.UsedBytes, reading.LimitBytes);
    }

    /// <summary>
    /// Raises the queued <see cref="LevelChanged"/> events, one consumer at a time: the first sample to get here raises
    /// until the queue is empty, including events queued meanwhile by other samples, which return at once.
    /// </summary>
    private void RaisePendingEvents()
    {
        lock (_gate)
        {
            if (_raising || _pendingEvents.Count == 0)
            {
                return;
            }

            _raising = true;
        }

        var drained = false;
        try
        {
            while (true)
            {
                MemoryPressureChangedEventArgs next;
                lock (_gate)
                {
                    if (!_pendingEvents.TryDequeue(out next!))
                    {
                        _raising = false;
                        drained = true;
                        return;
                    }
                }

                IsolatedEvent.Raise(LevelChanged, this, next, ex => LogHandlerFailed(_logger, ex));
            }
        }
        finally
        {
            if (!drained)
            {
                // Logging a handler's failure threw: give up raising, so a later sample raises what is left.
                lock (_gate)
                {
                    _raising = false;
                }
            }
        }
    }

    private void OnTimer()
    {
        try
        {
            Sample();
        }
#pragma warning disable CA1031 // A failing source must not kill the timer; the next tick tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                _sampleFailures++;
            }

            LastResortLog.Write((_logger, ex), static s => LogSampleFailed(s._logger, s.ex));
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Memory pressure changed from {Previous} to {Current}: {Ratio:P1} used ({Used} of {Limit} bytes).")]
    private static partial void LogLevelChanged(ILogger logger, MemoryPressureLevel previous, MemoryPressureLevel current, double ratio, long used, long limit);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Reading memory failed; the next sample tries again.")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "A memory pressure LevelChanged handler threw.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
