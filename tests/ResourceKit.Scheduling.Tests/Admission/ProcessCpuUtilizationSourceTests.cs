using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Scheduling.Tests.Admission;

public sealed class ProcessCpuUtilizationSourceTests
{
    [Test]
    public void SampleUtilization_ProcessBurnsCpu_ReportsShareOfAllProcessors()
    {
        var time = new FakeTimeProvider();
        var source = new ProcessCpuUtilizationSource(time);
        var before = Environment.CpuUsage.TotalTime;
        while (Environment.CpuUsage.TotalTime - before < TimeSpan.FromMilliseconds(20))
        {
        }

        // 20+ ms of process CPU over a 1 s window on N processors: at least 0.02 / N.
        time.Advance(TimeSpan.FromSeconds(1));
        double utilization = source.SampleUtilization();

        Assert.That(utilization, Is.InRange(0.02 / Environment.ProcessorCount, 1.0));
    }

    [Test]
    public void SampleUtilization_NoWallTimeElapsed_ReturnsZero()
    {
        var source = new ProcessCpuUtilizationSource(new FakeTimeProvider());

        Assert.That(source.SampleUtilization(), Is.Zero);
    }

    [Test]
    public void SampleUtilization_LongIdleWindow_StaysWithinZeroToOne()
    {
        var time = new FakeTimeProvider();
        var source = new ProcessCpuUtilizationSource(time);
        time.Advance(TimeSpan.FromHours(1));

        Assert.That(source.SampleUtilization(), Is.InRange(0.0, 1.0));
    }
}
