using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.Tests.Fakes;
using ResourceKit.Testing;

namespace ResourceKit.Memory.Tests.Pressure;

public sealed class MemoryPressureMonitorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [TestCase(0.50, MemoryPressureLevel.Normal)]
    [TestCase(0.70, MemoryPressureLevel.Warning)]
    [TestCase(0.84, MemoryPressureLevel.Warning)]
    [TestCase(0.85, MemoryPressureLevel.Critical)]
    [TestCase(0.95, MemoryPressureLevel.Emergency)]
    [TestCase(1.00, MemoryPressureLevel.Emergency)]
    public void Sample_RatioAtThreshold_ReportsLevel(double ratio, MemoryPressureLevel expected)
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        source.SetRatio(ratio);

        Assert.That(monitor.Sample(), Is.EqualTo(expected));
    }

    [Test]
    public void Sample_RatioHoversAtThreshold_DoesNotFlap()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        var changes = 0;
        monitor.LevelChanged += (_, _) => changes++;

        foreach (var ratio in new[] { 0.86, 0.84, 0.86, 0.83, 0.85, 0.81 })
        {
            source.SetRatio(ratio);
            monitor.Sample();
        }

        Assert.Multiple(() =>
        {
            Assert.That(monitor.Level, Is.EqualTo(MemoryPressureLevel.Critical));
            Assert.That(changes, Is.EqualTo(1));
        });
    }

    [Test]
    public void Sample_RatioFallsBelowBand_DropsToLevelTheRatioClears()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        source.SetRatio(0.96);
        monitor.Sample();

        source.SetRatio(0.79);
        var afterFirstDrop = monitor.Sample();
        source.SetRatio(0.40);
        var afterSecondDrop = monitor.Sample();

        Assert.Multiple(() =>
        {
            Assert.That(afterFirstDrop, Is.EqualTo(MemoryPressureLevel.Warning));
            Assert.That(afterSecondDrop, Is.EqualTo(MemoryPressureLevel.Normal));
        });
    }

    [Test]
    public void LevelChanged_OnRise_CarriesPreviousCurrentAndReading()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        MemoryPressureChangedEventArgs? seen = null;
        monitor.LevelChanged += (_, e) => seen = e;
        source.SetRatio(0.9);

        monitor.Sample();

        Assert.That(seen, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(seen!.Previous, Is.EqualTo(MemoryPressureLevel.Normal));
            Assert.That(seen.Current, Is.EqualTo(MemoryPressureLevel.Critical));
            Assert.That(seen.Reading.Ratio, Is.EqualTo(0.9).Within(1e-9));
        });
    }

    [Test]
    public void LevelChanged_HandlerThrows_OtherHandlersStillRun()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider());
        var secondRan = false;
        monitor.LevelChanged += (_, _) => throw new InvalidOperationException("boom");
        monitor.LevelChanged += (_, _) => secondRan = true;
        source.SetRatio(0.75);

        Assert.That(() => monitor.Sample(), Throws.Nothing);
        Assert.That(secondRan, Is.True);
    }

    [Test]
    public void Start_TimeAdvances_SamplesOnEachInterval()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { SamplingInterval = Interval }, source: source, timeProvider: time);

        monitor.Start();
        monitor.Start();
        var afterStart = source.Reads;
        source.SetRatio(0.9);
        time.Advance(Interval);
        time.Advance(Interval);

        Assert.Multiple(() =>
        {
            Assert.That(afterStart, Is.EqualTo(1));
            Assert.That(source.Reads, Is.EqualTo(3));
            Assert.That(monitor.Level, Is.EqualTo(MemoryPressureLevel.Critical));
            Assert.That(monitor.Statistics.Samples, Is.EqualTo(3));
        });
    }

    [Test]
    public void Start_SourceThrows_CountsFailureAndKeepsSampling()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource { Failure = new InvalidOperationException("no /proc") };
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { SamplingInterval = Interval }, source: source, timeProvider: time);

        monitor.Start();
        source.Failure = null;
        source.SetRatio(0.72);
        time.Advance(Interval);

        Assert.Multiple(() =>
        {
            Assert.That(monitor.Statistics.SampleFailures, Is.EqualTo(1));
            Assert.That(monitor.Level, Is.EqualTo(MemoryPressureLevel.Warning));
        });
    }

    [Test]
    public void Stop_TimeAdvances_NoMoreSamples()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { SamplingInterval = Interval }, source: source, timeProvider: time);
        monitor.Start();

        monitor.Stop();
        time.Advance(Interval * 3);

        Assert.That(source.Reads, Is.EqualTo(1));
    }

    [Test]
    public void Sample_EntersCritical_ReclaimsQuarterAndCollectsGenerationOne()
    {
        var (monitor, source, collector, reclaimer, _) = CreateWithReclamation();
        using (monitor)
        {
            source.SetRatio(0.86);
            monitor.Sample();

            Assert.Multiple(() =>
            {
                Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.25 }));
                Assert.That(collector.Collections, Is.EqualTo(new[] { (1, false) }));
                Assert.That(monitor.Statistics.LastReclamation?.Level, Is.EqualTo(MemoryPressureLevel.Critical));
            });
        }
    }

    [Test]
    public void Sample_EntersEmergency_ReclaimsHalfAndRunsFullCompactingCollection()
    {
        var (monitor, source, collector, reclaimer, _) = CreateWithReclamation();
        using (monitor)
        {
            source.SetRatio(0.97);
            monitor.Sample();

            Assert.Multiple(() =>
            {
                Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.5 }));
                Assert.That(collector.Collections, Is.EqualTo(new[] { (GC.MaxGeneration, true) }));
            });
        }
    }

    [Test]
    public void Sample_StaysCritical_ReclaimsAgainOnlyAfterCooldown()
    {
        var (monitor, source, _, reclaimer, time) = CreateWithReclamation();
        using (monitor)
        {
            source.SetRatio(0.88);
            monitor.Sample();
            time.Advance(TimeSpan.FromSeconds(10));
            monitor.Sample();
            var beforeCooldown = reclaimer.Fractions.Count;
            time.Advance(TimeSpan.FromSeconds(20));
            monitor.Sample();

            Assert.Multiple(() =>
            {
                Assert.That(beforeCooldown, Is.EqualTo(1));
                Assert.That(reclaimer.Fractions, Has.Count.EqualTo(2));
            });
        }
    }

    [Test]
    public void Sample_RisesFromCriticalToEmergency_ReclaimsAtOnce()
    {
        var (monitor, source, _, reclaimer, _) = CreateWithReclamation();
        using (monitor)
        {
            source.SetRatio(0.88);
            monitor.Sample();
            source.SetRatio(0.96);
            monitor.Sample();

            Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.25, 0.5 }));
        }
    }

    [Test]
    public void Sample_LevelChangeLogThrows_StillReclaimsAndReclaimsAgainLater()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        var reclaimer = new RecordingReclaimer("cache", 0, []);
        var logger = new ThrowingLogger<MemoryPressureMonitor>(10); // 10: level changed
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), new MemoryReclamation([reclaimer], new FakeGarbageCollector()), source, time, logger);
        var changes = 0;
        monitor.LevelChanged += (_, _) => changes++;

        source.SetRatio(0.88);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException, "a direct caller hears of the failing logger");
        source.SetRatio(0.40);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException);
        time.Advance(MemoryPressureOptions.DefaultReclamationCooldown);
        source.SetRatio(0.88);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException);

        Assert.Multiple(() =>
        {
            Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.25, 0.25 }), "each rise to Critical reclaimed, though its log threw");
            Assert.That(changes, Is.EqualTo(3), "subscribers still heard of every change");
            Assert.That(monitor.Statistics.LastReclamation?.Level, Is.EqualTo(MemoryPressureLevel.Critical));
        });
    }

    [Test]
    public void LevelChanged_HandlerAndItsFailureLogThrow_LaterChangesStillRaised()
    {
        var source = new FakeMemorySource();
        var logger = new ThrowingLogger<MemoryPressureMonitor>(12); // 12: handler failed
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider(), logger: logger);
        var seen = new List<MemoryPressureLevel>();
        monitor.LevelChanged += (_, e) =>
        {
            seen.Add(e.Current);
            throw new InvalidOperationException("handler failed");
        };

        source.SetRatio(0.88);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException);
        source.SetRatio(0.40);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException);

        Assert.That(seen, Is.EqualTo(new[] { MemoryPressureLevel.Critical, MemoryPressureLevel.Normal }));
    }

    [Test]
    public void LevelChanged_HandlerAndItsFailureLogThrow_LaterSubscribersStillHearOfIt()
    {
        var source = new FakeMemorySource();
        var logger = new ThrowingLogger<MemoryPressureMonitor>(12); // 12: handler failed
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: new FakeTimeProvider(), logger: logger);
        var heardBySecond = new List<MemoryPressureLevel>();
        monitor.LevelChanged += (_, _) => throw new InvalidOperationException("first handler failed");
        monitor.LevelChanged += (_, e) => heardBySecond.Add(e.Current);

        source.SetRatio(0.88);
        Assert.That(() => monitor.Sample(), Throws.InvalidOperationException.With.Message.Contains("log provider failed"), "the log's failure still reaches the caller, after every subscriber");

        Assert.That(heardBySecond, Is.EqualTo(new[] { MemoryPressureLevel.Critical }));
    }

    [Test]
    public void Timer_SampleFailureLogThrows_TimerDoesNotThrowAndKeepsSampling()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource { Failure = new InvalidOperationException("no reading") };
        var logger = new ThrowingLogger<MemoryPressureMonitor>(11); // 11: sample failed
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: source, timeProvider: time, logger: logger);

        Assert.That(monitor.Start, Throws.Nothing, "the first sample runs on the timer at once");
        Assert.That(() => time.Advance(MemoryPressureOptions.DefaultSamplingInterval), Throws.Nothing);

        Assert.That(monitor.Statistics.SampleFailures, Is.EqualTo(2));
    }

    [Test]
    public void Sample_WarningOnly_DoesNotReclaim()
    {
        var (monitor, source, collector, reclaimer, _) = CreateWithReclamation();
        using (monitor)
        {
            source.SetRatio(0.8);
            monitor.Sample();

            Assert.Multiple(() =>
            {
                Assert.That(reclaimer.Fractions, Is.Empty);
                Assert.That(collector.Collections, Is.Empty);
            });
        }
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new MemoryPressureOptions { WarningRatio = 0.9, CriticalRatio = 0.8, Hysteresis = -1, LimitBytes = -5 };

        Assert.That(
            () => new MemoryPressureMonitor(options),
            Throws.ArgumentException
                .With.Message.Contains("Ratios must rise")
                .And.Message.Contains("Hysteresis must be between")
                .And.Message.Contains("LimitBytes must not be negative"));
    }

    [Test]
    public void Constructor_OptionsChangedAfterward_NoEffect()
    {
        var options = new MemoryPressureOptions();
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(options, source: source, timeProvider: new FakeTimeProvider());

        options.WarningRatio = 0.95;
        options.CriticalRatio = 0.96;
        options.EmergencyRatio = 0.97;
        source.SetRatio(0.9);

        Assert.That(monitor.Sample(), Is.EqualTo(MemoryPressureLevel.Critical));
    }

    [Test]
    public void Constructor_NullOptions_Throws()
    {
        Assert.That(() => new MemoryPressureMonitor(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Start_AfterDispose_Throws()
    {
        var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), source: new FakeMemorySource(), timeProvider: new FakeTimeProvider());
        monitor.Dispose();

        Assert.That(monitor.Start, Throws.TypeOf<ObjectDisposedException>());
    }

    private static (MemoryPressureMonitor Monitor, FakeMemorySource Source, FakeGarbageCollector Collector, RecordingReclaimer Reclaimer, FakeTimeProvider Time) CreateWithReclamation()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        var collector = new FakeGarbageCollector();
        var reclaimer = new RecordingReclaimer("cache", 0, []);
        var reclamation = new MemoryReclamation([reclaimer], collector);
        var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), reclamation, source, time);
        return (monitor, source, collector, reclaimer, time);
    }
}
