using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>Renewing the hold of a reservation whose call runs longer than the time to live.</content>
public partial class SpendLedgerTests
{
    [TestCase(false, TestName = "RenewAsync_OpenReservation_HoldOutlivesTheOriginalExpiry(synchronous store)")]
    [TestCase(true, TestName = "RenewAsync_OpenReservation_HoldOutlivesTheOriginalExpiry(asynchronous store)")]
    public async Task RenewAsync_OpenReservation_HoldOutlivesTheOriginalExpiry(bool asynchronous)
    {
        var time = new FakeTimeProvider(Start);
        var memory = new MemorySpendStore();
        using var ledger = new SpendLedger(Options(Rule("daily", 1m)), asynchronous ? new AsyncOnlySpendStore(memory) : memory, time);
        var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.That(await ledger.RenewAsync(held), Is.True);
        Assert.That(held.ExpiresAt, Is.EqualTo(time.GetUtcNow() + CostOptions.DefaultReservationTimeToLive));
        time.Advance(TimeSpan.FromMinutes(2));
        await ledger.ExpireReservationsAsync();

        Assert.That(memory.OpenReservations, Is.EqualTo(1), "six minutes in, the renewed hold is still there");
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.5m)).IsGranted, Is.False);
        time.Advance(TimeSpan.FromMinutes(3));
        await ledger.ExpireReservationsAsync();
        Assert.That(memory.OpenReservations, Is.Zero, "without further renewal it lapses");
    }

    [TestCase(false, TestName = "RenewAsync_HoldExpiredButNotYetSwept_IsNotTakenAgain(synchronous store)")]
    [TestCase(true, TestName = "RenewAsync_HoldExpiredButNotYetSwept_IsNotTakenAgain(asynchronous store)")]
    public async Task RenewAsync_HoldExpiredButNotYetSwept_IsNotTakenAgain(bool asynchronous)
    {
        var time = new FakeTimeProvider(Start);
        var memory = new MemorySpendStore();
        var options = Options(Rule("daily", 1m));
        options.ExpirySweepInterval = TimeSpan.FromHours(1);
        using var ledger = new SpendLedger(options, asynchronous ? new AsyncOnlySpendStore(memory) : memory, time);
        var lapsed = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;

        time.Advance(TimeSpan.FromMinutes(6));

        Assert.That(memory.OpenReservations, Is.EqualTo(1), "no sweep has run yet");
        Assert.That(await ledger.RenewAsync(lapsed), Is.False, "the hold expired a minute ago");
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m)).IsGranted, Is.True, "so its money is free for the next caller");
        Assert.That(memory.OpenReservations, Is.EqualTo(1));
    }

    [Test]
    public async Task RenewAsync_SettledOrExpired_ReturnsFalseAndHoldsNothing()
    {
        var (ledger, time, store) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        var settled = (await ledger.TryReserveAsync(ChatSpend, 0.25m)).Reservation!;
        await ledger.SettleAsync(settled, 0.25m);
        var lapsed = (await ledger.TryReserveAsync(ChatSpend, 0.25m)).Reservation!;
        time.Advance(TimeSpan.FromMinutes(6));

        Assert.That(await ledger.RenewAsync(settled), Is.False);
        Assert.That(await ledger.RenewAsync(lapsed), Is.False, "a lapsed hold is not taken again without a limit check");
        Assert.That(store.OpenReservations, Is.Zero);
        Assert.ThrowsAsync<ArgumentNullException>(async () => await ledger.RenewAsync(null!));
    }
}
