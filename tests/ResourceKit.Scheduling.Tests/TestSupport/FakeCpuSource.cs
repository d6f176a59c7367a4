namespace ResourceKit.Scheduling.Tests.TestSupport;

/// <summary>A CPU reading the test sets; the scheduler picks it up on its next sample.</summary>
internal sealed class FakeCpuSource : ICpuUtilizationSource
{
    public double Utilization { get; set; }

    public double SampleUtilization() => Utilization;
}
