using System.Diagnostics.Metrics;
using System.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.GarbageCollection;

/// <summary>
/// Applies <see cref="GcProfile"/>s to the runtime's GC settings and restores the original settings on dispose;
/// measures GC overhead (Δ total pause time ÷ Δ elapsed over a sliding window, unlike the runtime's lifetime
/// <c>PauseTimePercentage</c>) on a <see cref="TimeProvider"/> timer; offers no-GC regions for short critical
/// sections; and, in adaptive mode, switches profile from CPU and memory-pressure readings.
/// </summary>
public sealed partial class GcTuner : IDisposable
{
    private readonly Lock _gate = new();
    private readonly GcTunerOptions _options;
    private readonly IGarbageCollector _collector;
    private readonly MemoryPressureMonitor? _monitor;
    private readonly ICpuUsageSource _cpu;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly GCLatencyMode _originalLatency;
    private readonly GCLargeObjectHeapCompactionMode _originalLohMode;
    private readonly long? _originalHeapLimit;
    private readonly Queue<(long Timestamp, TimeSpan Pause)> _window = new();
    private long? _currentHeapLimit;
    private ITimer? _timer;
    private GcProfile _profile = GcProfile.Default;
    private long? _lastSwitch; // the last adaptive switch; null until the first
    private double _overhead;
    private int _overheadLevel; // 0 within the target, 1 above it, 2 above the maximum; judged once a whole window is measured
    private double _cpuRatio;
    private long _profileChanges;
    private long _regionsEntered;
    private long _regionsRefused;
    private long? _refusedHeapLimit;
    private long? _lastHeapLimitRefusal;
    private bool _inRegion;
    private long _region; // the number of the last region entered, so a stale scope cannot end a newer one
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="GcTuner"/> class and records the current GC settings to restore later.</summary>
    /// <param name="options">The profile, adaptive settings and overhead window; copied, so later changes have no effect.</param>
    /// <param name="collector">The GC to tune; defaults to <see cref="RuntimeGarbageCollector"/>.</param>
    /// <param name="monitor">The pressure monitor adaptive mode reads; without it pressure counts as Normal.</param>
    /// <param name="cpu">The CPU reading adaptive mode uses; defaults to <see cref="ProcessCpuUsageSource"/>.</param>
    /// <param name="timeProvider">The clock and timer source; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public GcTuner(
        GcTunerOptions options,
        IGarbageCollector? collector = null,
        MemoryPressureMonitor? monitor = null,
        ICpuUsageSource? cpu = null,
        TimeProvider? timeProvider = null,
        ILogger<GcTuner>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsErrors.ThrowIfAny(options.Validate(), nameof(options));
        _options = options.Clone();
        _collector = collector ?? new RuntimeGarbageCollector();
        _monitor = monitor;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _cpu = cpu ?? new ProcessCpuUsageSource(_timeProvider);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _originalLatency = _collector.LatencyMode;
        _originalLohMode = _collector.LargeObjectHeapCompactionMode;
        _originalHeapLimit = _collector.GetHeapHardLimit();
        _currentHeapLimit = _originalHeapLimit;
        _window.Enqueue((_timeProvider.GetTimestamp(), _collector.GetTotalPauseDuration()));
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _meter.CreateObservableGauge("resourcekit.memory.gc.overhead.ratio", () => GcOverhead, "1", "GC pause time divided by elapsed time over the sliding window.");
        _meter.CreateObservableGauge("resourcekit.memory.gc.profile", () => (int)Profile, "{profile}", "Active GC profile: 0 default, 1 continuous, 2 high memory, 3 low memory, 4 peak load.");
        _meter.CreateObservableCounter("resourcekit.memory.gc.profile_changes", () => Statistics.ProfileChanges, "{change}", "GC profile switches.");
    }

    /// <summary>Gets the active profile.</summary>
    public GcProfile Profile
    {
        get
        {
            lock (_gate)
            {
                return _profile;
            }
        }
    }

    /// <summary>Gets GC pause time ÷ elapsed time over the sliding window (0–1), as of the last sample.</summary>
    public double GcOverhead
    {
        get
        {
            lock (_gate)
            {
                return _overhead;
            }
        }
    }

    /// <summary>Gets a snapshot of the tuner's state.</summary>
    public GcTunerStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new(_profile, _overhead, _cpuRatio, _profileChanges, _regionsEntered, _regionsRefused, _overheadLevel >= 1, _overheadLevel >= 2);
            }
        }
    }

    /// <summary>Applies <see cref="GcTunerOptions.Profile"/> and starts sampling every <see cref="GcTunerOptions.SampleInterval"/>. Repeat calls are harmless.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_timer is not null)
            {
                return;
            }

            _timer = _timeProvider.CreateTimer(static s => ((GcTuner)s!).OnTimer(), this, _options.SampleInterval, _options.SampleInterval);
        }

        ApplyProfile(_options.Profile);
    }

    /// <summary>Applies a profile now. A heap hard limit the runtime refuses (below the memory already committed) is logged and the previous limit kept.</summary>
    /// <param name="profile">The profile.</param>
    public void ApplyProfile(GcProfile profile)
    {
        if (!Enum.IsDefined(profile))
        {
            throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unknown GC profile.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ApplyLocked(profile);
        }
    }

    /// <summary>
    /// Tries to start a no-GC region for a short critical section: no collection happens until the section has
    /// allocated <paramref name="totalSizeBytes"/>. Dispose the scope to end it. When the runtime refuses (already in
    /// a region, or not enough memory), the scope's <see cref="NoGcRegionScope.Entered"/> is <see langword="false"/>.
    /// </summary>
    /// <param name="totalSizeBytes">The allocation budget, up to <see cref="GcTunerOptions.MaxNoGcRegionBytes"/>.</param>
    /// <returns>The scope.</returns>
    public NoGcRegionScope TryEnterNoGcRegion(long totalSizeBytes)
    {
        if (totalSizeBytes <= 0 || totalSizeBytes > _options.MaxNoGcRegionBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSizeBytes), totalSizeBytes, $"The no-GC region budget must be between 1 and {_options.MaxNoGcRegionBytes} bytes (MaxNoGcRegionBytes).");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_inRegion && _collector.TryStartNoGcRegion(totalSizeBytes))
            {
                _inRegion = true;
                _regionsEntered++;
                return new NoGcRegionScope(this, ++_region);
            }

            _regionsRefused++;
            return default;
        }
    }

    /// <summary>Takes one sample now: updates GC overhead and, in adaptive mode, switches profile if due.</summary>
    public void Sample()
    {
        var pause = _collector.GetTotalPauseDuration();
        var cpu = _options.Adaptive ? _cpu.ReadCpuRatio() : 0;
        var pressure = _monitor?.Level ?? MemoryPressureLevel.Normal;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _timeProvider.GetTimestamp();
            _window.Enqueue((now, pause));
            while (_window.Count > 2 && _timeProvider.GetElapsedTime(_window.ElementAt(1).Timestamp, now) >= _options.OverheadWindow)
            {
                _window.Dequeue(); // keep the newest sample at least a window old as the baseline
            }

            var (oldestAt, oldestPause) = _window.Peek();
            var elapsed = _timeProvider.GetElapsedTime(oldestAt, now);
            _overhead = elapsed <= TimeSpan.Zero ? 0 : Math.Clamp((pause - oldestPause) / elapsed, 0, 1);
            if (elapsed >= _options.OverheadWindow)
            {
                JudgeOverheadLocked();
            }

            if (!_options.Adaptive)
            {
                RetryRefusedHeapLimitLocked();
                return;
            }

            _cpuRatio = cpu;
            var target = pressure >= MemoryPressureLevel.Critical ? GcProfile.LowMemory
                : cpu >= _options.PeakCpuThreshold ? GcProfile.PeakLoad
                : pressure == MemoryPressureLevel.Warning ? GcProfile.Continuous
                : _options.Profile;
            if (target != _profile
                && (target == GcProfile.LowMemory || _lastSwitch is not { } last || _timeProvider.GetElapsedTime(last, now) >= _options.AdaptiveMinimumDwell))
            {
                LogAdaptiveSwitch(_logger, _profile, target, cpu, pressure);
                ApplyLocked(target);
                _lastSwitch = now;
            }
            else
            {
                RetryRefusedHeapLimitLocked();
            }
        }
    }

    /// <summary>
    /// Asks again for the active profile's heap limit if the runtime refused it: the refusal means committed memory
    /// was above the limit, and the collections low-memory mode triggers usually bring it below soon. At most once
    /// per <see cref="GcTunerOptions.AdaptiveMinimumDwell"/>, because each request makes the runtime re-read its limits.
    /// </summary>
    private void RetryRefusedHeapLimitLocked()
    {
        var wanted = HeapLimitFor(_profile);
        if (wanted != _currentHeapLimit
            && (_lastHeapLimitRefusal is not { } refusedAt || _timeProvider.GetElapsedTime(refusedAt) >= _options.AdaptiveMinimumDwell))
        {
            TryRefreshHeapHardLimitLocked(wanted);
        }
    }

    /// <summary>Compares the overhead with the target and maximum, and logs when it crosses either (not on every sample).</summary>
    private void JudgeOverheadLocked()
    {
        var level = _overhead > _options.OverheadMaximum ? 2 : _overhead > _options.OverheadTarget ? 1 : 0;
        var previous = _overheadLevel;
        _overheadLevel = level;
        if (level > previous)
        {
            if (level == 2)
            {
                LogOverheadAboveMaximum(_logger, _overhead, _options.OverheadWindow, _options.OverheadMaximum);
            }
            else
            {
                LogOverheadAboveTarget(_logger, _overhead, _options.OverheadWindow, _options.OverheadTarget);
            }
        }
        else if (level == 0 && previous != 0)
        {
            LogOverheadWithinTarget(_logger, _overhead, _options.OverheadWindow, _options.OverheadTarget);
        }
    }

    private long? HeapLimitFor(GcProfile profile) =>
        profile == GcProfile.LowMemory && _options.LowMemoryHeapHardLimitBytes > 0 ? _options.LowMemoryHeapHardLimitBytes : _originalHeapLimit;

    /// <summary>Stops sampling, ends an open no-GC region and restores the GC settings recorded at construction.</summary>
    public void Dispose()
    {
        ITimer? timer;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            timer = _timer;
            _timer = null;
            EndRegionLocked();
            TrySetLatency(_originalLatency);
            _collector.LargeObjectHeapCompactionMode = _originalLohMode;
            if (_currentHeapLimit != _originalHeapLimit)
            {
                TryRefreshHeapHardLimitLocked(_originalHeapLimit);
            }

            LogRestored(_logger, _originalLatency);
        }

        timer?.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    /// <summary>Ends the no-GC region started by <see cref="TryEnterNoGcRegion"/>, if <paramref name="region"/> is still the current one.</summary>
    internal void ExitNoGcRegion(long region)
    {
        lock (_gate)
        {
            if (region == _region)
            {
                EndRegionLocked();
            }
        }
    }

    private void EndRegionLocked()
    {
        if (_inRegion)
        {
            _inRegion = false;
            _collector.EndNoGcRegion();
        }
    }

    private void ApplyLocked(GcProfile profile)
    {
        var latency = profile switch
        {
            GcProfile.HighMemory or GcProfile.PeakLoad => GCLatencyMode.SustainedLowLatency,
            GcProfile.Continuous or GcProfile.LowMemory => GCLatencyMode.Interactive,
            _ => _originalLatency,
        };
        TrySetLatency(latency);
        _collector.LargeObjectHeapCompactionMode = profile is GcProfile.Continuous or GcProfile.LowMemory
            ? GCLargeObjectHeapCompactionMode.CompactOnce
            : _originalLohMode;
        var heapLimit = HeapLimitFor(profile);
        if (heapLimit != _currentHeapLimit)
        {
            TryRefreshHeapHardLimitLocked(heapLimit);
        }

        if (profile != _profile)
        {
            _profileChanges++;
        }

        _profile = profile;
        LogProfileApplied(_logger, profile, latency);
    }

    /// <summary>
    /// Applies a heap hard limit. The runtime refuses a limit below the memory already committed, which is likely
    /// exactly when <see cref="GcProfile.LowMemory"/> kicks in: the limit then stays as it was (and
    /// <see cref="_currentHeapLimit"/> keeps saying so), the rest of the profile still applies, and the failure is logged.
    /// </summary>
    private void TryRefreshHeapHardLimitLocked(long? limitBytes)
    {
        // The runtime reports memory against the heap limit in force, so the monitor's source must keep measuring
        // against the limit from before ours, or our own limit reads as pressure and keeps LowMemory on for good.
        var listener = _monitor?.Source as IHeapLimitListener;
        if (limitBytes != _originalHeapLimit)
        {
            listener?.HeapLimitImposing();
        }

        try
        {
            _collector.RefreshHeapHardLimit(limitBytes);
            _currentHeapLimit = limitBytes;
            _refusedHeapLimit = null;
            _lastHeapLimitRefusal = null;
            if (limitBytes == _originalHeapLimit)
            {
                listener?.HeapLimitLifted();
            }
        }
        catch (InvalidOperationException ex)
        {
            if (_currentHeapLimit == _originalHeapLimit)
            {
                listener?.HeapLimitLifted();
            }

            _lastHeapLimitRefusal = _timeProvider.GetTimestamp();
            // Retried on every sample until it is accepted: logged once per requested limit, not once per sample.
            if (_refusedHeapLimit != limitBytes)
            {
                _refusedHeapLimit = limitBytes;
                LogHeapLimitRefused(_logger, ex, limitBytes, _currentHeapLimit);
            }
        }
    }

    private void OnTimer()
    {
        try
        {
            Sample();
        }
#pragma warning disable CA1031 // An exception on a timer thread would end the process; log it, the next tick tries again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastResortLog.Write((_logger, ex), static s => LogSampleFailed(s._logger, s.ex));
        }
    }

    private void TrySetLatency(GCLatencyMode latency)
    {
        if (_collector.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return; // the runtime forbids changing the mode inside a no-GC region; the region's end restores it
        }

        _collector.LatencyMode = latency;
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "GC profile {Profile} applied (latency mode {LatencyMode}).")]
    private static partial void LogProfileApplied(ILogger logger, GcProfile profile, GCLatencyMode latencyMode);

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "Adaptive GC: {Previous} -> {Next} (CPU {Cpu:P0}, memory pressure {Pressure}).")]
    private static partial void LogAdaptiveSwitch(ILogger logger, GcProfile previous, GcProfile next, double cpu, MemoryPressureLevel pressure);

    [LoggerMessage(EventId = 52, Level = LogLevel.Information, Message = "GC settings restored (latency mode {LatencyMode}).")]
    private static partial void LogRestored(ILogger logger, GCLatencyMode latencyMode);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "The runtime refused the GC heap hard limit {Requested} bytes; the limit stays {Current} bytes.")]
    private static partial void LogHeapLimitRefused(ILogger logger, Exception exception, long? requested, long? current);

    [LoggerMessage(EventId = 55, Level = LogLevel.Warning, Message = "GC overhead {Overhead:P2} over the last {Window} is above the {Target:P1} target.")]
    private static partial void LogOverheadAboveTarget(ILogger logger, double overhead, TimeSpan window, double target);

    [LoggerMessage(EventId = 56, Level = LogLevel.Warning, Message = "GC overhead {Overhead:P2} over the last {Window} is above the {Maximum:P1} maximum; the memory health check reports Degraded.")]
    private static partial void LogOverheadAboveMaximum(ILogger logger, double overhead, TimeSpan window, double maximum);

    [LoggerMessage(EventId = 57, Level = LogLevel.Information, Message = "GC overhead {Overhead:P2} over the last {Window} is back within the {Target:P1} target.")]
    private static partial void LogOverheadWithinTarget(ILogger logger, double overhead, TimeSpan window, double target);

    [LoggerMessage(EventId = 54, Level = LogLevel.Error, Message = "GC tuner sample failed; the next sample tries again.")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
