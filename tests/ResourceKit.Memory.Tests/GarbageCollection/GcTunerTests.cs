using System.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Tests.Fakes;
using ResourceKit.Testing;

namespace ResourceKit.Memory.Tests.GarbageCollection;

public sealed class GcTunerTests
{
    private FakeTimeProvider _time = null!;
    private FakeGarbageCollector _collector = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        _collector = new FakeGarbageCollector { LatencyMode = GCLatencyMode.Batch, HeapHardLimit = 4_000_000_000 };
    }

    [TestCase(GcProfile.HighMemory, GCLatencyMode.SustainedLowLatency, GCLargeObjectHeapCompactionMode.Default)]
    [TestCase(GcProfile.PeakLoad, GCLatencyMode.SustainedLowLatency, GCLargeObjectHeapCompactionMode.Default)]
    [TestCase(GcProfile.Continuous, GCLatencyMode.Interactive, GCLargeObjectHeapCompactionMode.CompactOnce)]
    [TestCase(GcProfile.LowMemory, GCLatencyMode.Interactive, GCLargeObjectHeapCompactionMode.CompactOnce)]
    [TestCase(GcProfile.Default, GCLatencyMode.Batch, GCLargeObjectHeapCompactionMode.Default)]
    public void ApplyProfile_Profile_SetsRuntimeSettings(GcProfile profile, GCLatencyMode latency, GCLargeObjectHeapCompactionMode lohMode)
    {
        using var tuner = CreateTuner(new GcTunerOptions());

        tuner.ApplyProfile(profile);

        Assert.Multiple(() =>
        {
            Assert.That(_collector.LatencyMode, Is.EqualTo(latency));
            Assert.That(_collector.LargeObjectHeapCompactionMode, Is.EqualTo(lohMode));
            Assert.That(tuner.Profile, Is.EqualTo(profile));
        });
    }

    [Test]
    public void ApplyProfile_LowMemoryWithLimit_RefreshesMemoryLimitAndRestoresIt()
    {
        var tuner = CreateTuner(new GcTunerOptions { LowMemoryHeapHardLimitBytes = 1_000_000_000 });

        tuner.ApplyProfile(GcProfile.LowMemory);
        var duringLowMemory = _collector.HeapHardLimit;
        tuner.ApplyProfile(GcProfile.HighMemory);
        var afterLeaving = _collector.HeapHardLimit;
        tuner.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(duringLowMemory, Is.EqualTo(1_000_000_000));
            Assert.That(afterLeaving, Is.EqualTo(4_000_000_000));
            Assert.That(_collector.HeapHardLimitRefreshes, Is.EqualTo(new long?[] { 1_000_000_000, 4_000_000_000 }));
        });
    }

    [Test]
    public void Dispose_AfterChanges_RestoresOriginalSettings()
    {
        var tuner = CreateTuner(new GcTunerOptions { LowMemoryHeapHardLimitBytes = 500_000_000 });
        tuner.ApplyProfile(GcProfile.LowMemory);

        tuner.Dispose();
        tuner.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(_collector.LatencyMode, Is.EqualTo(GCLatencyMode.Batch));
            Assert.That(_collector.LargeObjectHeapCompactionMode, Is.EqualTo(GCLargeObjectHeapCompactionMode.Default));
            Assert.That(_collector.HeapHardLimit, Is.EqualTo(4_000_000_000));
        });
    }

    [Test]
    public void Dispose_RealRuntime_RestoresLatencyMode()
    {
        var original = GCSettings.LatencyMode;
        var tuner = new GcTuner(new GcTunerOptions(), timeProvider: _time);
        tuner.ApplyProfile(GcProfile.HighMemory);

        tuner.Dispose();

        Assert.That(GCSettings.LatencyMode, Is.EqualTo(original));
    }

    [Test]
    public void TryEnterNoGcRegion_Allowed_EntersAndEndsOnDispose()
    {
        using var tuner = CreateTuner(new GcTunerOptions());

        using (var scope = tuner.TryEnterNoGcRegion(1024 * 1024))
        {
            Assert.That(scope.Entered, Is.True);
            Assert.That(tuner.TryEnterNoGcRegion(1024).Entered, Is.False, "regions do not nest");
        }

        Assert.Multiple(() =>
        {
            Assert.That(_collector.NoGcRegionEnds, Is.EqualTo(1));
            Assert.That(tuner.Statistics.NoGcRegionsEntered, Is.EqualTo(1));
            Assert.That(tuner.Statistics.NoGcRegionsRefused, Is.EqualTo(1));
        });
    }

    [Test]
    public void Dispose_StaleScopeAgain_DoesNotEndANewerRegion()
    {
        using var tuner = CreateTuner(new GcTunerOptions());
        var first = tuner.TryEnterNoGcRegion(1024);
        first.Dispose();
        var second = tuner.TryEnterNoGcRegion(1024);

        first.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(second.Entered, Is.True);
            Assert.That(second, Is.Not.EqualTo(first));
            Assert.That(_collector.NoGcRegionEnds, Is.EqualTo(1), "the newer region is still on");
            Assert.That(_collector.LatencyMode, Is.EqualTo(GCLatencyMode.NoGCRegion));
        });
        second.Dispose();
        Assert.That(_collector.NoGcRegionEnds, Is.EqualTo(2));
    }

    [Test]
    public void TryEnterNoGcRegion_RuntimeRefuses_NotEntered()
    {
        _collector.AllowNoGcRegion = false;
        using var tuner = CreateTuner(new GcTunerOptions());

        using var scope = tuner.TryEnterNoGcRegion(1024);

        Assert.That(scope.Entered, Is.False);
    }

    [TestCase(0L)]
    [TestCase(-5L)]
    [TestCase(GcTunerOptions.DefaultMaxNoGcRegionBytes + 1)]
    public void TryEnterNoGcRegion_BudgetOutOfRange_Throws(long bytes)
    {
        using var tuner = CreateTuner(new GcTunerOptions());

        Assert.That(() => tuner.TryEnterNoGcRegion(bytes), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxNoGcRegionBytes"));
    }

    [Test]
    public void Sample_PausesOverWindow_ReportsSlidingOverhead()
    {
        using var tuner = CreateTuner(new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) });
        tuner.Start();

        // 60 s with 600 ms of pauses: 1 %.
        for (var i = 0; i < 6; i++)
        {
            _collector.TotalPause += TimeSpan.FromMilliseconds(100);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        var steady = tuner.GcOverhead;

        // Next minute without pauses: the old pauses slide out of the window.
        for (var i = 0; i < 7; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Multiple(() =>
        {
            Assert.That(steady, Is.EqualTo(0.01).Within(1e-9));
            Assert.That(tuner.GcOverhead, Is.Zero);
        });
    }

    [Test]
    public void Sample_OverheadCrossesTargetThenMaximumThenFalls_WarnsOncePerCrossingAndReportsIt()
    {
        var logger = new FakeLogger<GcTuner>();
        using var tuner = new GcTuner(
            new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) },
            _collector,
            cpu: new FakeCpuUsageSource(),
            timeProvider: _time,
            logger: logger);
        tuner.Start();

        RunWithPauses(TimeSpan.FromMilliseconds(200), samples: 12); // 2 %: above the 1 % target, within the 3 % maximum
        var aboveTarget = tuner.Statistics;
        RunWithPauses(TimeSpan.FromMilliseconds(500), samples: 12); // 5 %: above the maximum
        var aboveMaximum = tuner.Statistics;
        RunWithPauses(TimeSpan.Zero, samples: 7);

        var events = logger.Collector.GetSnapshot().Select(r => r.Id.Id).Where(id => id is 55 or 56 or 57).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(aboveTarget.GcOverhead, Is.EqualTo(0.02).Within(1e-9));
            Assert.That((aboveTarget.OverheadAboveTarget, aboveTarget.OverheadAboveMaximum), Is.EqualTo((true, false)));
            Assert.That((aboveMaximum.OverheadAboveTarget, aboveMaximum.OverheadAboveMaximum), Is.EqualTo((true, true)));
            Assert.That(tuner.Statistics.OverheadAboveTarget, Is.False);
            Assert.That(events, Is.EqualTo(new[] { 55, 56, 57 }), "one warning per crossing, not one per sample");
            Assert.That(logger.Collector.GetSnapshot().Single(r => r.Id.Id == 56).Level, Is.EqualTo(LogLevel.Warning));
        });
    }

    [Test]
    public void Sample_WindowNotYetFull_DoesNotJudgeOverhead()
    {
        using var tuner = CreateTuner(new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) });
        tuner.Start();

        RunWithPauses(TimeSpan.FromMilliseconds(900), samples: 1); // 9 % over the first 10 s only

        Assert.That(tuner.Statistics.OverheadAboveMaximum, Is.False, "a single early collection is not a trend");
    }

    [Test]
    public void Validate_OverheadMaximumBelowTargetOrOutOfRange_ListsEach()
    {
        var errors = new GcTunerOptions { OverheadTarget = 0.05, OverheadMaximum = 0.02 }.Validate();
        var ranges = new GcTunerOptions { OverheadTarget = 0, OverheadMaximum = 1.5 }.Validate();

        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.One.Contains("OverheadMaximum (0.02) must not be below OverheadTarget (0.05)"));
            Assert.That(ranges, Has.Some.Contains("OverheadTarget must be between").And.Some.Contains("OverheadMaximum must be between"));
            Assert.That(new GcTunerOptions().Validate(), Is.Empty);
            Assert.That((GcTunerOptions.DefaultOverheadTarget, GcTunerOptions.DefaultOverheadMaximum), Is.EqualTo((0.01, 0.03)), "the seed's < 1 % target and 3 % maximum");
        });
    }

    [Test]
    public void Timer_SampleFailsAndItsLogThrows_TimerDoesNotThrowAndKeepsSampling()
    {
        var logger = new ThrowingLogger<GcTuner>(54); // 54: sample failed
        using var tuner = new GcTuner(
            new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) },
            _collector,
            cpu: new FakeCpuUsageSource(),
            timeProvider: _time,
            logger: logger);
        tuner.Start();
        _collector.PauseReadFailure = new InvalidOperationException("reading failed");

        Assert.That(() => _time.Advance(TimeSpan.FromSeconds(10)), Throws.Nothing, "a timer callback must never throw");
        _collector.PauseReadFailure = null;
        _collector.TotalPause = TimeSpan.FromMilliseconds(200);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(logger.Thrown, Is.EqualTo(1));
            Assert.That(tuner.GcOverhead, Is.EqualTo(0.01).Within(1e-9), "the next tick sampled");
        });
    }

    /// <summary>Moves the clock one 10 s sample at a time, adding <paramref name="pausePerSample"/> of GC pause in each.</summary>
    private void RunWithPauses(TimeSpan pausePerSample, int samples)
    {
        for (var i = 0; i < samples; i++)
        {
            _collector.TotalPause += pausePerSample;
            _time.Advance(TimeSpan.FromSeconds(10));
        }
    }

    [Test]
    public void Sample_AdaptiveHighCpu_SwitchesToPeakLoadThenBack()
    {
        var cpu = new FakeCpuUsageSource();
        using var tuner = CreateTuner(new GcTunerOptions { Adaptive = true, Profile = GcProfile.Continuous, AdaptiveMinimumDwell = TimeSpan.FromSeconds(30) }, cpu: cpu);
        tuner.Start();

        cpu.Ratio = 0.9;
        _time.Advance(TimeSpan.FromSeconds(5));
        var duringPeak = tuner.Profile;
        cpu.Ratio = 0.2;
        _time.Advance(TimeSpan.FromSeconds(5));
        var tooSoon = tuner.Profile;
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(duringPeak, Is.EqualTo(GcProfile.PeakLoad));
            Assert.That(tooSoon, Is.EqualTo(GcProfile.PeakLoad), "dwell time prevents flapping");
            Assert.That(tuner.Profile, Is.EqualTo(GcProfile.Continuous));
            Assert.That(_collector.LatencyMode, Is.EqualTo(GCLatencyMode.Interactive));
        });
    }

    [Test]
    public void Sample_AdaptiveCriticalPressure_SwitchesToLowMemoryAtOnce()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: _time);
        var cpu = new FakeCpuUsageSource { Ratio = 0.9 };
        using var tuner = CreateTuner(new GcTunerOptions { Adaptive = true, AdaptiveMinimumDwell = TimeSpan.FromMinutes(10) }, monitor, cpu);
        tuner.Start();
        _time.Advance(TimeSpan.FromSeconds(5));
        var underLoad = tuner.Profile;

        source.SetRatio(0.9);
        monitor.Sample();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(underLoad, Is.EqualTo(GcProfile.PeakLoad));
            Assert.That(tuner.Profile, Is.EqualTo(GcProfile.LowMemory));
        });
    }

    [Test]
    public void Sample_AdaptiveCriticalPressureLimitRefused_AppliesLowMemoryAndKeepsLimit()
    {
        _collector.CommittedBytes = 2_000_000_000;
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: _time);
        var tuner = CreateTuner(new GcTunerOptions { Adaptive = true, LowMemoryHeapHardLimitBytes = 1_000_000_000 }, monitor);
        tuner.Start();
        source.SetRatio(0.9);
        monitor.Sample();

        Assert.That(() => _time.Advance(TimeSpan.FromSeconds(5)), Throws.Nothing, "the timer thread must not see the runtime's refusal");
        var profile = tuner.Profile;
        var latency = _collector.LatencyMode;
        tuner.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(profile, Is.EqualTo(GcProfile.LowMemory));
            Assert.That(latency, Is.EqualTo(GCLatencyMode.Interactive));
            Assert.That(_collector.HeapHardLimit, Is.EqualTo(4_000_000_000));
            Assert.That(_collector.HeapHardLimitRefreshes, Is.Empty, "nothing was applied, so dispose has nothing to restore");
        });
    }

    [Test]
    public void Sample_RefusedLimitOnceCommittedMemoryDrops_IsAppliedAfterTheDwellAndLoggedOnce()
    {
        _collector.CommittedBytes = 2_000_000_000;
        var source = new FakeMemorySource();
        var logger = new FakeLogger<GcTuner>();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: _time);
        using var tuner = new GcTuner(
            new GcTunerOptions { Adaptive = true, LowMemoryHeapHardLimitBytes = 1_000_000_000, SampleInterval = TimeSpan.FromSeconds(5), AdaptiveMinimumDwell = TimeSpan.FromSeconds(30) },
            _collector,
            monitor,
            new FakeCpuUsageSource(),
            _time,
            logger);
        source.SetRatio(0.9);
        monitor.Sample();
        tuner.Sample();
        Assert.That(tuner.Profile, Is.EqualTo(GcProfile.LowMemory));

        // Low-memory mode's collections bring committed memory under the limit; the limit is asked for again only
        // once the dwell has passed, and the refusals in between are not logged again.
        _collector.CommittedBytes = 500_000_000;
        _time.Advance(TimeSpan.FromSeconds(25));
        tuner.Sample();
        Assert.That(_collector.HeapHardLimitRefreshes, Is.Empty, "not before the dwell");
        _time.Advance(TimeSpan.FromSeconds(5));
        tuner.Sample();

        Assert.That(_collector.HeapHardLimitRefreshes, Is.EqualTo(new long?[] { 1_000_000_000 }));
        Assert.That(logger.Collector.GetSnapshot().Count(r => r.Id.Id == 53), Is.EqualTo(1));
    }

    [Test]
    public void Sample_OwnLowMemoryLimitInForce_PressureMeasuredAgainstLimitBeforeItSoLowMemoryEnds()
    {
        const long ownLimit = 1_000_000_000;
        const long committed = 950_000_000;
        long load = 3_600_000_000; // of the 4 GB in force before the tuner's limit
        long workingSet = 3_600_000_000;

        // Like the runtime: under a heap hard limit, load and available memory are the heap against that limit.
        var source = new GcMemorySource(
            MemoryMeasure.MemoryLoad,
            0,
            () => _collector.HeapHardLimit == ownLimit ? new GcMemoryFigures(committed, ownLimit, committed) : new GcMemoryFigures(load, 4_000_000_000, committed),
            () => workingSet);
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: _time);
        using var tuner = CreateTuner(new GcTunerOptions { Adaptive = true, LowMemoryHeapHardLimitBytes = ownLimit, AdaptiveMinimumDwell = TimeSpan.FromSeconds(30) }, monitor);
        monitor.Sample();
        tuner.Sample();
        var limitApplied = _collector.HeapHardLimit;

        load = workingSet = 2_000_000_000; // reclamation freed memory
        _time.Advance(TimeSpan.FromSeconds(30));
        var levelUnderOwnLimit = monitor.Sample();
        var readingUnderOwnLimit = monitor.Reading;
        tuner.Sample();

        Assert.Multiple(() =>
        {
            Assert.That(limitApplied, Is.EqualTo(ownLimit));
            Assert.That(levelUnderOwnLimit, Is.EqualTo(MemoryPressureLevel.Normal), "not 0.95 of the tuner's own limit");
            Assert.That(readingUnderOwnLimit, Is.EqualTo(new MemoryReading(2_000_000_000, 4_000_000_000)));
            Assert.That(tuner.Profile, Is.EqualTo(GcProfile.Default), "LowMemory ends once pressure is gone");
            Assert.That(_collector.HeapHardLimit, Is.EqualTo(4_000_000_000));
            Assert.That(monitor.Sample(), Is.EqualTo(MemoryPressureLevel.Normal));
            Assert.That(monitor.Reading, Is.EqualTo(new MemoryReading(2_000_000_000, 4_000_000_000)), "back to the runtime's figures");
        });
    }

    [Test]
    public void Start_SampleThrows_TimerKeepsSampling()
    {
        using var tuner = CreateTuner(new GcTunerOptions { SampleInterval = TimeSpan.FromSeconds(10), OverheadWindow = TimeSpan.FromSeconds(60) });
        tuner.Start();
        _collector.PauseReadFailure = new InvalidOperationException("reading failed");

        Assert.That(() => _time.Advance(TimeSpan.FromSeconds(10)), Throws.Nothing);

        _collector.PauseReadFailure = null;
        _collector.TotalPause = TimeSpan.FromMilliseconds(200);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.That(tuner.GcOverhead, Is.EqualTo(0.01).Within(1e-9), "the tick after the failure still sampled");
    }

    [Test]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        var options = new GcTunerOptions { PeakCpuThreshold = 2, MaxNoGcRegionBytes = 0, OverheadWindow = TimeSpan.FromSeconds(1), SampleInterval = TimeSpan.FromSeconds(5) };

        Assert.That(
            () => CreateTuner(options),
            Throws.ArgumentException
                .With.Message.Contains("PeakCpuThreshold must be between")
                .And.Message.Contains("MaxNoGcRegionBytes must be at least 1")
                .And.Message.Contains("must not be shorter than SampleInterval"));
    }

    [Test]
    public void Constructor_OptionsChangedAfterward_NoEffect()
    {
        var options = new GcTunerOptions { LowMemoryHeapHardLimitBytes = 1_000_000_000 };
        using var tuner = CreateTuner(options);

        options.LowMemoryHeapHardLimitBytes = 5;
        tuner.ApplyProfile(GcProfile.LowMemory);

        Assert.That(_collector.HeapHardLimit, Is.EqualTo(1_000_000_000));
    }

    [Test]
    public void ApplyProfile_AfterDispose_Throws()
    {
        var tuner = CreateTuner(new GcTunerOptions());
        tuner.Dispose();

        Assert.That(() => tuner.ApplyProfile(GcProfile.HighMemory), Throws.TypeOf<ObjectDisposedException>());
    }

    private GcTuner CreateTuner(GcTunerOptions options, MemoryPressureMonitor? monitor = null, ICpuUsageSource? cpu = null) =>
        new(options, _collector, monitor, cpu ?? new FakeCpuUsageSource(), _time);
}
