namespace ResourceKit.Scheduling;

/// <summary>
/// The default <see cref="ICpuUtilizationSource"/>: the process's CPU time (<see cref="Environment.CpuUsage"/>)
/// consumed over the window since the previous sample, divided by the window's wall time and by
/// <see cref="Environment.ProcessorCount"/>. It is cgroup-aware because .NET reports a container's CPU limit
/// (rounded up) as the processor count; 1.0 means the process used every CPU it may use.
/// </summary>
/// <param name="timeProvider">The clock for the window's wall time.</param>
public sealed class ProcessCpuUtilizationSource(TimeProvider timeProvider) : ICpuUtilizationSource
{
    private readonly Lock _gate = new();
    private long _lastTimestamp = timeProvider.GetTimestamp();
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;

    /// <summary>Initializes a new instance of the <see cref="ProcessCpuUtilizationSource"/> class on the system clock.</summary>
    public ProcessCpuUtilizationSource()
        : this(TimeProvider.System)
    {
    }

    /// <inheritdoc />
    public double SampleUtilization()
    {
        lock (_gate)
        {
            long now = timeProvider.GetTimestamp();
            var cpu = Environment.CpuUsage.TotalTime;
            var wall = timeProvider.GetElapsedTime(_lastTimestamp, now);
            var used = cpu - _lastCpu;
            _lastTimestamp = now;
            _lastCpu = cpu;
            if (wall <= TimeSpan.Zero)
            {
                return 0;
            }

            return Math.Clamp(used / wall / Environment.ProcessorCount, 0, 1);
        }
    }
}
