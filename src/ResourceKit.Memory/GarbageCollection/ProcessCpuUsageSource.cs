using System.Diagnostics;

namespace ResourceKit.Memory.GarbageCollection;

/// <summary>The default <see cref="ICpuUsageSource"/>: this process's processor time over elapsed time × cores, between calls.</summary>
/// <param name="timeProvider">The clock for elapsed time; defaults to <see cref="TimeProvider.System"/>.</param>
public sealed class ProcessCpuUsageSource(TimeProvider? timeProvider = null) : ICpuUsageSource
{
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private long _lastTimestamp;
    private TimeSpan _lastCpu;

    /// <inheritdoc />
    public double ReadCpuRatio()
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var now = _timeProvider.GetTimestamp();
        lock (_gate)
        {
            var first = _lastTimestamp == 0;
            var elapsed = first ? TimeSpan.Zero : _timeProvider.GetElapsedTime(_lastTimestamp, now);
            var used = cpu - _lastCpu;
            _lastTimestamp = now;
            _lastCpu = cpu;
            return first || elapsed <= TimeSpan.Zero ? 0 : Math.Clamp(used / (elapsed * Environment.ProcessorCount), 0, 1);
        }
    }
}
