using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Tests.Pressure;

public sealed class GcMemorySourceTests
{
    [Test]
    public void Read_DefaultLimit_UsesTotalAvailableMemory()
    {
        var reading = new GcMemorySource().Read();

        Assert.Multiple(() =>
        {
            Assert.That(reading.LimitBytes, Is.EqualTo(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
            Assert.That(reading.Ratio, Is.InRange(0d, 1d));
        });
    }

    [Test]
    public void Read_FixedLimitAndWorkingSet_ReportsProcessAgainstLimit()
    {
        var reading = new GcMemorySource(MemoryMeasure.ProcessWorkingSet, 64L * 1024 * 1024 * 1024).Read();

        Assert.Multiple(() =>
        {
            Assert.That(reading.LimitBytes, Is.EqualTo(64L * 1024 * 1024 * 1024));
            Assert.That(reading.UsedBytes, Is.GreaterThan(0));
        });
    }

    [Test]
    public void Ratio_UnknownLimit_IsZero()
    {
        Assert.That(new MemoryReading(10, 0).Ratio, Is.Zero);
    }
}
