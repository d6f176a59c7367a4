using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Ledger;

/// <content>A disk that refuses the journal: the spend stays counted in memory and is saved by the next snapshot.</content>
public partial class FileSpendStoreTests
{
    [Test]
    public async Task SettleAsync_DiskRefusesTheJournal_KeepsTheSpendCountedAndSavesItOnceTheDiskRecovers()
    {
        var disk = new FailingDisk();
        using (var store = new FileSpendStore(_path, 1_000, flushToDisk: true, logger: null, disk.Open))
        {
            var reservation = new LedgerReservation("r1", 2m, Retain, Counters);
            await store.TryReserveAsync(reservation, [], DateTimeOffset.UnixEpoch);
            disk.IsFull = true;

            var totals = await store.SettleAsync(reservation, 1.25m);

            Assert.That(totals.Committed[0], Is.EqualTo(1.25m), "counted although the journal entry was refused");
            Assert.That(totals.Reserved[0], Is.Zero);
            Assert.That(store.UnsavedSpend, Is.EqualTo(1.25m));

            disk.IsFull = false;
            await store.RecordAsync(Counters, 0.5m);
            Assert.That(store.UnsavedSpend, Is.Zero, "the snapshot after the next entry saved it");
        }

        using var reopened = new FileSpendStore(_path);
        Assert.That((await reopened.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed, Is.EqualTo(1.75m));
    }

    [Test]
    public async Task SettleAsync_ThroughTheLedgerWithTheDiskFull_SpendOutlivesTheHold()
    {
        // Before: the settle threw, the caller gave up on it, and once the hold expired the spend was forgotten.
        var disk = new FailingDisk();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        using var store = new FileSpendStore(_path, 1_000, flushToDisk: true, logger: null, disk.Open);
        using var ledger = new SpendLedger(new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }] }, store, time);
        var spend = new SpendAttribution("chat", "gpt-4o", "a");
        var reservation = (await ledger.TryReserveAsync(spend, 0.6m)).Reservation!;
        disk.IsFull = true;

        Assert.That(await ledger.SettleAsync(reservation, 0.6m), Is.True);
        time.Advance(CostOptions.DefaultReservationTimeToLive * 2);
        await ledger.ExpireReservationsAsync();

        Assert.That((await ledger.GetStatusAsync(spend))[0].Committed, Is.EqualTo(0.6m));
        Assert.That((await ledger.TryReserveAsync(spend, 0.6m)).IsGranted, Is.False, "the unsaved spend still counts against the limit");
    }

    [Test]
    public async Task SettleAsync_EntryWrittenButNotFlushedAndJournalNotEmptied_IsCountedOnceAfterReopening()
    {
        // The entry reaches the journal but its flush fails and cannot be cut off; the snapshot that saves it is
        // renamed into place, but the journal cannot be emptied. The snapshot carried the sequence number before the
        // entry, so reopening replayed the entry on top of the snapshot that already held it: $4, not $2.
        var disk = new FailingDisk();
        using (var store = new FileSpendStore(_path, 1_000, flushToDisk: true, logger: null, disk.Open))
        {
            var reservation = new LedgerReservation("r1", 2m, Retain, Counters);
            await store.TryReserveAsync(reservation, [], DateTimeOffset.UnixEpoch);
            disk.FlushFailures = 1;
            disk.RefusesTruncation = true;

            await store.SettleAsync(reservation, 2m);

            Assert.That(store.UnsavedSpend, Is.EqualTo(2m), "the journal could not be emptied, so the store still counts it unsaved");
        }

        Assert.That(File.Exists(_path), Is.True, "the snapshot saving the entry was renamed into place");
        Assert.That(new FileInfo(_path + ".journal").Length, Is.GreaterThan(0), "the entry is still in the journal beside the snapshot");
        using var reopened = new FileSpendStore(_path);
        Assert.That((await reopened.GetBalancesAsync("d:2026-11-23")).Single(b => b.Scope == "global").Committed, Is.EqualTo(2m));
    }
}
