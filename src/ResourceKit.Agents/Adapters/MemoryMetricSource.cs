using ResourceKit.Agents.Monitoring;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// Reports the memory pressure monitor's latest reading as <c>memory_percent</c> and the used and limit bytes, and,
/// given a <see cref="GcTuner"/>, the GC's share of wall time over the tuner's window as <c>gc_pause_percent</c>.
/// </summary>
/// <param name="monitor">The monitor.</param>
/// <param name="gcTuner">The GC tuner whose overhead is reported, or <see langword="null"/> for none.</param>
public sealed class MemoryMetricSource(MemoryPressureMonitor monitor, GcTuner? gcTuner = null) : IHealthMetricSource
{
    private readonly MemoryPressureMonitor _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));

    /// <inheritdoc />
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var reading = _monitor.Reading;
        readings.Add(new MetricReading(ComponentNames.System, MetricNames.MemoryPercent, reading.Ratio * 100));
        readings.Add(new MetricReading(ComponentNames.System, "memory_used_bytes", reading.UsedBytes));
        readings.Add(new MetricReading(ComponentNames.System, "memory_limit_bytes", reading.LimitBytes));
        readings.Add(new MetricReading(ComponentNames.System, "memory_pressure_level", (int)_monitor.Level));
        if (gcTuner is not null)
        {
            readings.Add(new MetricReading(ComponentNames.System, MetricNames.GcPausePercent, gcTuner.Statistics.GcOverhead * 100));
        }

        return ValueTask.CompletedTask;
    }
}
