using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Llm;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Llm;

public sealed class ResponseTimeRecorderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task CollectAsync_NoCalls_ReportsNothing()
    {
        var readings = new List<MetricReading>();

        await new ResponseTimeRecorder(_time).CollectAsync(readings);

        Assert.That(readings, Is.Empty);
    }

    [Test]
    public async Task CollectAsync_TwentyCalls_ReportsThe95thPercentileInSeconds()
    {
        var recorder = new ResponseTimeRecorder(_time);
        foreach (var seconds in Enumerable.Range(1, 20).Reverse())
        {
            recorder.Record(TimeSpan.FromSeconds(seconds));
        }

        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);

        // 19 of the 20 calls took at most 19 s.
        Assert.That(readings, Is.EqualTo(new[] { new MetricReading(ComponentNames.Llm, MetricNames.ResponseTimeSeconds, 19) }));
    }

    [Test]
    public async Task CollectAsync_CallsEndedBeforeTheWindow_NoLongerCount()
    {
        var recorder = new ResponseTimeRecorder(_time, TimeSpan.FromMinutes(5));
        recorder.Record(TimeSpan.FromSeconds(12));
        _time.Advance(TimeSpan.FromMinutes(4));
        recorder.Record(TimeSpan.FromMilliseconds(800));
        var withBoth = new List<MetricReading>();
        await recorder.CollectAsync(withBoth);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1));
        var withRecent = new List<MetricReading>();
        await recorder.CollectAsync(withRecent);

        _time.Advance(TimeSpan.FromMinutes(5));
        var withNone = new List<MetricReading>();
        await recorder.CollectAsync(withNone);

        Assert.Multiple(() =>
        {
            Assert.That(withBoth.Single().Value, Is.EqualTo(12));
            Assert.That(withRecent.Single().Value, Is.EqualTo(0.8).Within(1e-9));
            Assert.That(withNone, Is.Empty, "a host that stopped calling is not judged on old calls");
        });
    }

    [Test]
    public async Task CollectAsync_WallClockStepsBack_OldCallsStillLeaveTheWindow()
    {
        // The wall clock steps back an hour (a manual change or an NTP correction) after a 12 s call; the monotonic
        // timestamp goes on. Six minutes later the 12 s call is out of the window, the 0.8 s call 2 minutes old is in.
        var clock = new WallClockStepTimeProvider(_time.GetUtcNow());
        var recorder = new ResponseTimeRecorder(clock, TimeSpan.FromMinutes(5));
        recorder.Record(TimeSpan.FromSeconds(12));
        clock.WallClockStep = TimeSpan.FromHours(-1);
        clock.Advance(TimeSpan.FromMinutes(4));
        recorder.Record(TimeSpan.FromMilliseconds(800));
        clock.Advance(TimeSpan.FromMinutes(2));

        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);

        Assert.That(readings.Single().Value, Is.EqualTo(0.8).Within(1e-9), "a call from before the step does not count for another hour");
    }

    [Test]
    public async Task CollectAsync_WallClockStepsForward_RecentCallsStillCount()
    {
        var clock = new WallClockStepTimeProvider(_time.GetUtcNow());
        var recorder = new ResponseTimeRecorder(clock, TimeSpan.FromMinutes(5));
        recorder.Record(TimeSpan.FromSeconds(6));
        clock.WallClockStep = TimeSpan.FromHours(1);
        clock.Advance(TimeSpan.FromMinutes(1));

        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);

        Assert.That(readings.Single().Value, Is.EqualTo(6), "a call a minute old still counts");
    }

    [Test]
    public async Task Record_MoreThanMaxCalls_KeepsTheNewest()
    {
        var recorder = new ResponseTimeRecorder(_time);
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(TimeSpan.FromSeconds(30));
        }

        for (var i = 0; i < ResponseTimeRecorder.MaxCalls; i++)
        {
            recorder.Record(TimeSpan.FromSeconds(1));
        }

        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);

        Assert.That(readings.Single().Value, Is.EqualTo(1));
    }

    [Test]
    public void Constructor_WindowNotPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ResponseTimeRecorder(_time, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResponseTimeRecorder(_time).Record(TimeSpan.FromSeconds(-1)));
    }

    /// <summary>
    /// A fake clock whose wall clock can step while its timestamp goes on, as a real clock's does. FakeTimeProvider
    /// alone cannot show it: its timestamp follows its UtcNow, which never goes back.
    /// </summary>
    private sealed class WallClockStepTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public TimeSpan WallClockStep { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + WallClockStep;

        // FakeTimeProvider's own timestamp reads GetUtcNow, which would step with it; this one reads the unstepped time.
        public override long GetTimestamp() => base.GetUtcNow().UtcTicks;
    }
}
