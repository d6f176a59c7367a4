using ResourceKit.Agents.Monitoring;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// One CPU reading for the whole host: the scheduler samples it for admission control and loop CPU checks, the GC
/// tuner's adaptive mode reads it, and the health monitor reports it as <c>cpu_percent</c>, so they never disagree
/// and the process is measured once.
/// </summary>
/// <param name="inner">The source that measures, such as <see cref="ProcessCpuUtilizationSource"/>.</param>
public sealed class SharedCpuSampler(ICpuUtilizationSource inner) : ICpuUtilizationSource, ICpuUsageSource, IHealthMetricSource
{
    private readonly ICpuUtilizationSource _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private double _last;

    /// <summary>Gets the most recent utilization, 0 to 1.</summary>
    public double Last => Volatile.Read(ref _last);

    /// <inheritdoc />
    public double SampleUtilization()
    {
        var value = _inner.SampleUtilization();
        Volatile.Write(ref _last, value);
        return value;
    }

    /// <inheritdoc />
    /// <remarks>Returns the scheduler's latest sample rather than measuring again.</remarks>
    public double ReadCpuRatio() => Last;

    /// <inheritdoc />
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        readings.Add(new MetricReading(ComponentNames.System, MetricNames.CpuPercent, Last * 100));

        return ValueTask.CompletedTask;
    }
}
