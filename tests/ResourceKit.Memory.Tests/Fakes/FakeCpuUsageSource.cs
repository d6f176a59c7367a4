using ResourceKit.Memory.GarbageCollection;

namespace ResourceKit.Memory.Tests.Fakes;

/// <summary>A CPU source whose reading the test sets.</summary>
internal sealed class FakeCpuUsageSource : ICpuUsageSource
{
    public double Ratio { get; set; }

    public double ReadCpuRatio() => Ratio;
}
