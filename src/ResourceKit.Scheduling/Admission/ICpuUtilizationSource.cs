namespace ResourceKit.Scheduling;

/// <summary>
/// Supplies the process CPU utilization that drives admission control and loop CPU checks. The
/// <see cref="PriorityScheduler"/> calls <see cref="SampleUtilization"/> once per
/// <see cref="PrioritySchedulerOptions.CpuSampleInterval"/>, from one thread at a time.
/// </summary>
public interface ICpuUtilizationSource
{
    /// <summary>Returns the CPU utilization of the process over the window since the previous call.</summary>
    /// <returns>A ratio from 0 to 1 of the machine's (or container's) CPU capacity.</returns>
    double SampleUtilization();
}
