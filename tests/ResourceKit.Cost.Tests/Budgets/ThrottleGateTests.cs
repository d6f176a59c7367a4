using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Tests.Budgets;

public sealed class ThrottleGateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Test]
    public void TryAdmit_BeforeNextAdmission_RefusesWithTheRemainingWait()
    {
        var gate = new ThrottleGate(Now.AddHours(1), Now + Interval, 5m);

        Assert.That(gate.TryAdmit(Now.AddSeconds(20), Interval, consume: true, out var retryAfter), Is.False);
        Assert.That(retryAfter, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(gate.TryAdmit(Now + Interval, Interval, consume: true, out _), Is.True);
        Assert.That(gate.TryAdmit(Now + Interval, Interval, consume: true, out retryAfter), Is.False, "one admission per interval");
        Assert.That(retryAfter, Is.EqualTo(Interval));
    }

    [Test]
    public void TryAdmit_WallClockSteppedBack_WaitsAtMostOneInterval()
    {
        var gate = new ThrottleGate(Now.AddHours(1), Now + Interval, 5m);
        var steppedBack = Now.AddMinutes(-10);

        Assert.That(gate.TryAdmit(steppedBack, Interval, consume: true, out var retryAfter), Is.False);
        Assert.That(retryAfter, Is.EqualTo(Interval), "not the ten minutes and thirty seconds to the old admission time");
        Assert.That(gate.TryAdmit(steppedBack + Interval, Interval, consume: true, out _), Is.True);
    }
}
