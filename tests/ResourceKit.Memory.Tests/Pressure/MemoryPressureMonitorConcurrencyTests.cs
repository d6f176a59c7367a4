using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.Pressure;

/// <summary>Samples that overlap (a long reclamation pass, concurrent callers) must not overlap passes or reorder events.</summary>
public sealed class MemoryPressureMonitorConcurrencyTests
{
    private static readonly TimeSpan FailAfter = TimeSpan.FromSeconds(30); // only bounds a failing run

    [Test]
    public async Task Sample_EscalatesWhileAPassRuns_DoesNotStartASecondPassUntilItEnds()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        using var reclaimer = new BlockingReclaimer();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), new MemoryReclamation([reclaimer], new FakeGarbageCollector()), source, time);
        source.SetRatio(0.88);
        var firstPass = Task.Run(monitor.Sample);
        Assert.That(reclaimer.Entered.Wait(FailAfter), Is.True);

        source.SetRatio(0.97);
        var levelDuringPass = monitor.Sample();
        var trimsDuringPass = reclaimer.Fractions.Count;
        reclaimer.Release.Set();
        await firstPass.WaitAsync(FailAfter);
        monitor.Sample();

        Assert.Multiple(() =>
        {
            Assert.That(levelDuringPass, Is.EqualTo(MemoryPressureLevel.Emergency), "sampling goes on during a pass");
            Assert.That(trimsDuringPass, Is.EqualTo(1), "no second pass while the first runs");
            Assert.That(reclaimer.MaxConcurrent, Is.EqualTo(1));
            Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.25, 0.5 }), "the escalation is reclaimed once the first pass ends");
        });
    }

    [Test]
    public void Sample_SwingsWarningCriticalWithinCooldown_ReclaimsOnlyAfterCooldown()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        var reclaimer = new RecordingReclaimer("cache", 0, []);
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions(), new MemoryReclamation([reclaimer], new FakeGarbageCollector()), source, time);

        source.SetRatio(0.88);
        monitor.Sample();
        time.Advance(TimeSpan.FromSeconds(5));
        source.SetRatio(0.75);
        var dropped = monitor.Sample();
        time.Advance(TimeSpan.FromSeconds(5));
        source.SetRatio(0.88);
        monitor.Sample();
        var withinCooldown = reclaimer.Fractions.Count;
        time.Advance(MemoryPressureOptions.DefaultReclamationCooldown);
        monitor.Sample();

        Assert.Multiple(() =>
        {
            Assert.That(dropped, Is.EqualTo(MemoryPressureLevel.Warning));
            Assert.That(withinCooldown, Is.EqualTo(1), "swinging back to Critical within the cooldown does not reclaim again");
            Assert.That(reclaimer.Fractions, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task LevelChanged_ManyThreadsSampling_EventsFormOneChainAndNeverOverlap()
    {
        var source = new AlternatingSource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: new FakeTimeProvider());
        var events = new List<MemoryPressureChangedEventArgs>();
        var inHandler = 0;
        var overlaps = 0;
        monitor.LevelChanged += (_, e) =>
        {
            if (Interlocked.Increment(ref inHandler) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            lock (events)
            {
                events.Add(e);
            }

            Thread.Yield();
            Interlocked.Decrement(ref inHandler);
        };

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                monitor.Sample();
            }
        }));
        await Task.WhenAll(workers).WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(overlaps, Is.Zero);
            Assert.That(events, Is.Not.Empty);
            Assert.That(events[0].Previous, Is.EqualTo(MemoryPressureLevel.Normal));
            Assert.That(events.Zip(events.Skip(1)).All(p => p.First.Current == p.Second.Previous), Is.True, "each event starts where the previous one ended");
            Assert.That(events[^1].Current, Is.EqualTo(monitor.Level));
        });
    }

    [Test]
    public async Task LevelChanged_HandlerWaitsForASampleOnAnotherThread_DoesNotDeadlock()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: new FakeTimeProvider());
        var events = new List<MemoryPressureLevel>();
        bool? otherSampleFinished = null;
        monitor.LevelChanged += (_, e) =>
        {
            lock (events)
            {
                events.Add(e.Current);
            }

            if (e.Current == MemoryPressureLevel.Warning)
            {
                source.SetRatio(0.88);
                otherSampleFinished = Task.Run(monitor.Sample).Wait(FailAfter); // blocked for good while this handler held the sampling section
            }
        };
        source.SetRatio(0.75);

        await Task.Run(monitor.Sample).WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(otherSampleFinished, Is.True);
            Assert.That(events, Is.EqualTo(new[] { MemoryPressureLevel.Warning, MemoryPressureLevel.Critical }), "the other sample's event follows, in order");
            Assert.That(monitor.Level, Is.EqualTo(MemoryPressureLevel.Critical));
        });
    }

    [Test]
    public async Task LevelChanged_SlowHandler_OtherSamplesGoOnAndTheirEventsFollowInOrder()
    {
        var source = new FakeMemorySource();
        using var monitor = new MemoryPressureMonitor(new MemoryPressureOptions { ReclaimOnPressure = false }, source: source, timeProvider: new FakeTimeProvider());
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var events = new List<MemoryPressureLevel>();
        monitor.LevelChanged += (_, e) =>
        {
            lock (events)
            {
                events.Add(e.Current);
            }

            if (!entered.IsSet)
            {
                entered.Set();
                release.Wait(FailAfter);
            }
        };
        source.SetRatio(0.75);
        var slow = Task.Run(monitor.Sample);
        Assert.That(entered.Wait(FailAfter), Is.True);

        source.SetRatio(0.88);
        var during = await Task.Run(monitor.Sample).WaitAsync(FailAfter);
        int raisedDuring;
        lock (events)
        {
            raisedDuring = events.Count;
        }

        release.Set();
        await slow.WaitAsync(FailAfter);

        Assert.Multiple(() =>
        {
            Assert.That(during, Is.EqualTo(MemoryPressureLevel.Critical), "the sample did not wait for the slow handler");
            Assert.That(raisedDuring, Is.EqualTo(1), "its event waits its turn rather than overlapping the slow one");
            Assert.That(events, Is.EqualTo(new[] { MemoryPressureLevel.Warning, MemoryPressureLevel.Critical }));
        });
    }

    /// <summary>Reads alternate between Emergency and Normal, so concurrent samples keep changing the level.</summary>
    private sealed class AlternatingSource : IMemorySource
    {
        private int _reads;

        public MemoryReading Read() => new(Interlocked.Increment(ref _reads) % 2 == 0 ? 970 : 100, 1000);
    }

    /// <summary>A reclaimer whose first trim blocks until the test releases it.</summary>
    private sealed class BlockingReclaimer : IMemoryReclaimer, IDisposable
    {
        private int _running;
        private int _maxConcurrent;

        public string Name => "blocking";

        public int Priority => 0;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public List<double> Fractions { get; } = [];

        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

        public long Trim(double fraction)
        {
            var running = Interlocked.Increment(ref _running);
            _maxConcurrent = Math.Max(_maxConcurrent, running);
            lock (Fractions)
            {
                Fractions.Add(fraction);
            }

            if (!Entered.IsSet)
            {
                Entered.Set();
                Release.Wait(FailAfter);
            }

            Interlocked.Decrement(ref _running);
            return 0;
        }

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
    }
}
