using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

public class MemorySpendStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Retain = Now.AddDays(2);

    [Test]
    public async Task RecordAsync_CallerChangesItsListBetweenCalls_UsesTheCurrentCounters()
    {
        var store = new MemorySpendStore();
        var counters = new List<LedgerCounter> { new("d:2026-11-23", "global", Retain), new("d:2026-11-23", "agent:a", Retain) };
        await store.RecordAsync(counters, 1m);

        counters[1] = new LedgerCounter("d:2026-11-23", "agent:b", Retain);
        await store.RecordAsync(counters, 2m);

        var balances = await store.GetBalancesAsync("d:2026-11-23");
        Assert.Multiple(() =>
        {
            Assert.That(balances.Single(b => b.Scope == "global").Committed, Is.EqualTo(3m));
            Assert.That(balances.Single(b => b.Scope == "agent:a").Committed, Is.EqualTo(1m));
            Assert.That(balances.Single(b => b.Scope == "agent:b").Committed, Is.EqualTo(2m));
        });
    }

    [Test]
    public async Task RecordAsync_SameCountersAfterTheirPeriodWasPruned_KeepsTheNewSpend()
    {
        var store = new MemorySpendStore();
        LedgerCounter[] plain = [new("h:old", "global", Now)];
        var frozen = new LedgerCounterList([new("h:old", "model:x", Now)]);
        await store.RecordAsync(plain, 1m);
        await store.RecordAsync(frozen, 1m);

        await store.ExpireAsync(Now.AddTicks(1));
        Assert.That(await store.GetBalancesAsync("h:old"), Is.Empty, "past its retention the period is forgotten");

        await store.RecordAsync(plain, 2m);
        await store.RecordAsync(frozen, 3m);

        var balances = await store.GetBalancesAsync("h:old");
        Assert.That(balances.Select(b => (b.Scope, b.Committed)), Is.EquivalentTo(new[] { ("global", 2m), ("model:x", 3m) }));
    }

    [Test]
    public async Task TryReserveAsync_LimitCheckAmountAboveAmount_HoldsAndReleasesTheCheckedAmount()
    {
        var store = new MemorySpendStore();
        LedgerCounter[] counters = [new("d:2026-11-23", "global", Retain)];
        LedgerLimit[] fiveDollars = [new(0, 5m)];
        var first = new LedgerReservation("a", 1m, Now.AddMinutes(5), counters) { LimitCheckAmount = 3m };

        var granted = await store.TryReserveAsync(first, fiveDollars, Now);
        var refused = await store.TryReserveAsync(new LedgerReservation("b", 1m, Now.AddMinutes(5), counters) { LimitCheckAmount = 3m }, fiveDollars, Now);
        var reservedWhileOpen = (await store.GetBalancesAsync("d:2026-11-23"))[0].Reserved;
        await store.SettleAsync(first, 2m);
        var balance = (await store.GetBalancesAsync("d:2026-11-23"))[0];

        Assert.That(granted.Granted, Is.True);
        Assert.That(refused.Granted, Is.False, "the open hold counts the $3 it was checked against, not $1");
        Assert.That(reservedWhileOpen, Is.EqualTo(3m));
        Assert.That((balance.Committed, balance.Reserved), Is.EqualTo((2m, 0m)));
    }

    [Test]
    public async Task TryReserveAsync_ReservationsExpiringOutOfOrder_ReleasesEachWhenDue()
    {
        var store = new MemorySpendStore();
        LedgerCounter[] counters = [new("d:2026-11-23", "global", Retain)];
        await store.TryReserveAsync(new LedgerReservation("late", 1m, Now.AddMinutes(10), counters), [], Now);
        await store.TryReserveAsync(new LedgerReservation("early", 2m, Now.AddMinutes(5), counters), [], Now);

        await store.TryReserveAsync(new LedgerReservation("probe1", 0m, Now.AddHours(1), counters), [], Now.AddMinutes(6));
        var afterEarly = (await store.GetBalancesAsync("d:2026-11-23"))[0].Reserved;
        await store.TryReserveAsync(new LedgerReservation("probe2", 0m, Now.AddHours(1), counters), [], Now.AddMinutes(11));
        var afterLate = (await store.GetBalancesAsync("d:2026-11-23"))[0].Reserved;

        Assert.Multiple(() =>
        {
            Assert.That(afterEarly, Is.EqualTo(1m));
            Assert.That(afterLate, Is.Zero);
            Assert.That(store.OpenReservations, Is.EqualTo(2), "only the two probes are left");
        });
    }

    [Test]
    public async Task SettleAsync_CountersDifferFromTheHold_ReleasesTheHoldAndCommitsOnTheGivenCounters()
    {
        var store = new MemorySpendStore();
        LedgerCounter[] held = [new("d:2026-11-23", "agent:a", Retain)];
        LedgerCounter[] spent = [new("d:2026-11-23", "agent:b", Retain)];
        var reservation = new LedgerReservation("r", 1m, Now.AddMinutes(5), held);
        await store.TryReserveAsync(reservation, [], Now);

        var totals = await store.SettleAsync(reservation with { Counters = spent }, 0.5m);

        var balances = await store.GetBalancesAsync("d:2026-11-23");
        Assert.Multiple(() =>
        {
            Assert.That(totals.Committed, Is.EqualTo(new[] { 0.5m }));
            Assert.That(balances.Single(b => b.Scope == "agent:a").Reserved, Is.Zero);
            Assert.That(balances.Single(b => b.Scope == "agent:b").Committed, Is.EqualTo(0.5m));
        });
    }

    [Test]
    public void SynchronousTryReserve_ObservedCounters_WritesOnlyThoseTotalsAndNamesTheRefusingLimit()
    {
        ISynchronousSpendStore store = new MemorySpendStore();
        var counters = new LedgerCounterList([new("d:x", "global", Retain), new("d:x", "agent:a", Retain), new("d:x", "model:m", Retain)]);
        Span<decimal> committed = stackalloc decimal[3];
        Span<decimal> reserved = stackalloc decimal[3];

        var granted = store.TryReserve(new LedgerReservation("r1", 2m, Retain, counters), [new LedgerLimit(2, 5m)], Now, new ObservedTotals([0, 2], committed, reserved), out var failed);
        Assert.That((granted, failed, reserved[0], reserved[1], reserved[2]), Is.EqualTo((true, -1, 2m, 0m, 2m)));

        committed.Clear();
        reserved.Clear();
        granted = store.TryReserve(
            new LedgerReservation("r2", 4m, Retain, counters), [new LedgerLimit(0, 100m), new LedgerLimit(2, 5m)], Now, new ObservedTotals([0, 2], committed, reserved), out failed);
        Assert.That((granted, failed, reserved[2]), Is.EqualTo((false, 1, 2m)));

        store.Settle(new LedgerReservation("r1", 2m, Retain, counters), 1.5m, new ObservedTotals([], committed, reserved));
        Assert.That((committed[0], committed[1], committed[2], reserved[1]), Is.EqualTo((1.5m, 1.5m, 1.5m, 0m)), "an empty observed list means every counter");
    }
}
