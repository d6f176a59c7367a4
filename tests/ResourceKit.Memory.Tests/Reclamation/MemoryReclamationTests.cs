using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.Reclamation;

public sealed class MemoryReclamationTests
{
    [Test]
    public void Reclaim_SeveralReclaimers_CallsThemInPriorityOrderWithTheSameShare()
    {
        var log = new List<string>();
        var high = new RecordingReclaimer("models", 100, log);
        var low = new RecordingReclaimer("cache", 1, log);
        var mid = new RecordingReclaimer("pool", 10, log);
        using var reclamation = new MemoryReclamation([high, low], new FakeGarbageCollector());
        reclamation.Register(mid);

        var report = reclamation.Reclaim(MemoryPressureLevel.Critical, 0.25);

        Assert.Multiple(() =>
        {
            Assert.That(log, Is.EqualTo(new[] { "cache", "pool", "models" }));
            Assert.That(low.Fractions.Concat(mid.Fractions).Concat(high.Fractions), Is.All.EqualTo(0.25));
            Assert.That(report.BytesFreed, Is.EqualTo(300));
            Assert.That(report.ReclaimersRun, Is.EqualTo(3));
        });
    }

    [Test]
    public void Reclaim_ReclaimerThrows_OthersRunAndFailureIsCounted()
    {
        var log = new List<string>();
        var failing = new RecordingReclaimer("bad", 0, log) { Failure = new InvalidOperationException("boom") };
        var good = new RecordingReclaimer("good", 1, log);
        var collector = new FakeGarbageCollector();
        using var reclamation = new MemoryReclamation([failing, good], collector);

        var report = reclamation.Reclaim(MemoryPressureLevel.Emergency, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(log, Is.EqualTo(new[] { "bad", "good" }));
            Assert.That(report.ReclaimersFailed, Is.EqualTo(1));
            Assert.That(report.BytesFreed, Is.EqualTo(100));
            Assert.That(reclamation.Statistics.ReclaimerFailures, Is.EqualTo(1));
            Assert.That(collector.Collections, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void Register_HandleDisposed_ReclaimerNoLongerCalled()
    {
        var log = new List<string>();
        using var reclamation = new MemoryReclamation(collector: new FakeGarbageCollector());
        var handle = reclamation.Register(new RecordingReclaimer("cache", 0, log));

        handle.Dispose();
        handle.Dispose();
        reclamation.Reclaim(MemoryPressureLevel.Critical, 0.25);

        Assert.Multiple(() =>
        {
            Assert.That(log, Is.Empty);
            Assert.That(reclamation.Statistics.Reclaimers, Is.Zero);
        });
    }

    [TestCase(MemoryPressureLevel.Normal, -1)]
    [TestCase(MemoryPressureLevel.Warning, -1)]
    [TestCase(MemoryPressureLevel.Critical, 1)]
    public void Reclaim_Level_CollectsMatchingGeneration(MemoryPressureLevel level, int expectedGeneration)
    {
        using var reclamation = new MemoryReclamation(collector: new FakeGarbageCollector());

        Assert.That(reclamation.Reclaim(level, 0.1).CollectedGeneration, Is.EqualTo(expectedGeneration));
    }

    [TestCase(-0.1)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void Reclaim_FractionOutOfRange_Throws(double fraction)
    {
        using var reclamation = new MemoryReclamation(collector: new FakeGarbageCollector());

        Assert.That(() => reclamation.Reclaim(MemoryPressureLevel.Critical, fraction), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Register_Null_Throws()
    {
        using var reclamation = new MemoryReclamation(collector: new FakeGarbageCollector());

        Assert.That(() => reclamation.Register(null!), Throws.ArgumentNullException);
    }
}
