using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>
/// Clock steps with an in-process store: a wall clock stepped forward does not release running calls' holds, and one
/// stepped back does not make the ledger forget the current period's spend.
/// </content>
public partial class SpendLedgerTests
{
    [Test]
    public async Task TryReserveAsync_WallClockSteppedForwardPastTimeToLive_InProcessHoldSurvives()
    {
        var clock = new SteppableClock(Start);
        var store = new MemorySpendStore();
        using var ledger = new SpendLedger(Options(Rule("daily", 1m)), store, clock);
        var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;

        clock.Offset = TimeSpan.FromMinutes(30);
        await ledger.ExpireReservationsAsync();

        Assert.That(store.OpenReservations, Is.EqualTo(1), "no time has passed for the running call");
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.5m)).IsGranted, Is.False, "so its money stays held");
        Assert.That(await ledger.SettleAsync(held, 1m), Is.True);
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.LessThanOrEqualTo(1m));
    }

    [Test]
    public async Task TryReserveAsync_InProcessHoldAfterElapsedTimeToLive_StillExpires()
    {
        var clock = new SteppableClock(Start);
        var store = new MemorySpendStore();
        using var ledger = new SpendLedger(Options(Rule("daily", 1m)), store, clock);
        await ledger.TryReserveAsync(ChatSpend, 1m);

        clock.Fake.Advance(CostOptions.DefaultReservationTimeToLive);
        await ledger.ExpireReservationsAsync();

        Assert.That(store.OpenReservations, Is.Zero);
    }

    [Test]
    public async Task ExpireReservationsAsync_WallClockSteppedBackAfterStart_KeepsCurrentPeriodSpend()
    {
        // The host started with its wall clock three days ahead (past the hourly counters' two-day retention), then
        // it was corrected: the monotonic expiry clock stays three days ahead, the period calendar does not.
        var clock = new SteppableClock(Start) { Offset = TimeSpan.FromDays(3) };
        var store = new MemorySpendStore();
        using var ledger = new SpendLedger(Options(Rule("hourly", 1m, BudgetWindow.Hourly)), store, clock);
        clock.Offset = TimeSpan.Zero;
        await ledger.RecordAsync(ChatSpend, 1m);

        await ledger.ExpireReservationsAsync();

        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo(1m), "the hour's spend is remembered");
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.5m)).IsGranted, Is.False, "so the Block limit still holds");
    }

    [Test]
    public async Task ExpireReservationsAsync_PeriodPastItsRetentionByWallClock_IsForgotten()
    {
        var clock = new SteppableClock(Start);
        var store = new MemorySpendStore();
        using var ledger = new SpendLedger(Options(Rule("hourly", 1m, BudgetWindow.Hourly)), store, clock);
        await ledger.RecordAsync(ChatSpend, 1m);
        var hour = ledger.Calendar.GetPeriod(BudgetWindow.Hourly, Start).Key;

        clock.Fake.Advance(TimeSpan.FromDays(3));
        await ledger.ExpireReservationsAsync();

        Assert.That(await store.GetBalancesAsync(hour), Is.Empty);
    }

    /// <summary>A clock whose wall time can be stepped without the monotonic timestamp moving, like an NTP step.</summary>
    private sealed class SteppableClock(DateTimeOffset start) : TimeProvider
    {
        public FakeTimeProvider Fake { get; } = new(start);

        public TimeSpan Offset { get; set; }

        public override long TimestampFrequency => Fake.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow() + Offset;

        public override long GetTimestamp() => Fake.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Fake.CreateTimer(callback, state, dueTime, period);
    }
}
