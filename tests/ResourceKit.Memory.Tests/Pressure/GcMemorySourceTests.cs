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
    public void Read_HeapLimitImposed_MeasuresWorkingSetAgainstLimitInForceBefore()
    {
        var figures = new GcMemoryFigures(3_000_000_000, 4_000_000_000, 800_000_000);
        var source = new GcMemorySource(MemoryMeasure.MemoryLoad, 0, () => figures, () => 2_500_000_000);
        IHeapLimitListener listener = source;

        listener.HeapLimitImposing();
        figures = new GcMemoryFigures(900_000_000, 1_000_000_000, 900_000_000); // the runtime now reports against the new limit
        listener.HeapLimitImposing(); // a retried request must not take the imposed limit as the one before
        var imposed = source.Read();
        listener.HeapLimitLifted();
        var lifted = source.Read();

        Assert.Multiple(() =>
        {
            Assert.That(imposed, Is.EqualTo(new MemoryReading(2_500_000_000, 4_000_000_000)));
            Assert.That(lifted, Is.EqualTo(new MemoryReading(900_000_000, 1_000_000_000)));
        });
    }

    [Test]
    public void Read_HeapLimitImposedWithFixedLimitAndCommittedMeasure_KeepsBoth()
    {
        var source = new GcMemorySource(MemoryMeasure.ManagedHeapCommitted, 8_000_000_000, () => new GcMemoryFigures(900_000_000, 1_000_000_000, 700_000_000), () => 1);

        ((IHeapLimitListener)source).HeapLimitImposing();

        Assert.That(source.Read(), Is.EqualTo(new MemoryReading(700_000_000, 8_000_000_000)));
    }

    [Test]
    public void Ratio_UnknownLimit_IsZero()
    {
        Assert.That(new MemoryReading(10, 0).Ratio, Is.Zero);
    }
}
