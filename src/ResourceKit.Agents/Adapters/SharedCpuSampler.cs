using ResourceKit.Agents.Monitoring;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// One CPU reading for the whole host: the scheduler samples it for admission control and loop CPU checks, and the
/// health monitor reports the same value as <c>cpu_percent</c>, so the two never disagree or double-sample.
/// </summary>
/// <param name="inner">The source that measures, such as <see cref="ProcessCpuUtilizationSource"/>.</param>
public sealed class SharedCpuSampler(ICpuUtilizationSource inner) : ICpuUtilizationSource, IHealthMetricSource
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
    public void Collect(ICollection<MetricReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        readings.Add(new MetricReading(ComponentNames.System, MetricNames.CpuPercent, Last * 100));
    }
}
