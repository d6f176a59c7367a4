using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <content>Settle and release when the store fails: the reservation stays open for a retry.</content>
public partial class SpendLedgerTests
{
    [TestCase(false, TestName = "SettleAsync_StoreFails_ReservationStaysOpenAndRetryCommits(synchronous store)")]
    [TestCase(true, TestName = "SettleAsync_StoreFails_ReservationStaysOpenAndRetryCommits(asynchronous store)")]
    public async Task SettleAsync_StoreFails_ReservationStaysOpenAndRetryCommits(bool asynchronous)
    {
        var flaky = new FlakySpendStore(new MemorySpendStore()) { SettleFailures = 1 };
        using var ledger = new SpendLedger(Options(Rule("daily", 10m)), asynchronous ? new AsyncOnlySpendStore(flaky) : flaky, new FakeTimeProvider(Start));
        var held = (await ledger.TryReserveAsync(ChatSpend, 2m)).Reservation!;

        Assert.ThrowsAsync<IOException>(async () => await ledger.SettleAsync(held, 1.25m));

        Assert.Multiple(async () =>
        {
            Assert.That(held.IsCompleted, Is.False, "a failed settle leaves the reservation open");
            Assert.That(ledger.LocalReserved, Is.EqualTo(2m), "and its hold on the reserved gauge");
            Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Reserved, Is.EqualTo(2m));
        });

        Assert.That(await ledger.SettleAsync(held, 1.25m), Is.True, "the retry settles");
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(status.Committed, Is.EqualTo(1.25m));
            Assert.That(status.Reserved, Is.Zero);
            Assert.That(ledger.LocalReserved, Is.Zero);
            Assert.That(held.IsCompleted, Is.True);
        });
    }

    [Test]
    public async Task ReleaseAsync_StoreFails_ReservationStaysOpenAndRetryReleases()
    {
        var flaky = new FlakySpendStore(new MemorySpendStore()) { ReleaseFailures = 1 };
        using var ledger = new SpendLedger(Options(Rule("daily", 10m)), flaky, new FakeTimeProvider(Start));
        var held = (await ledger.TryReserveAsync(ChatSpend, 2m)).Reservation!;

        Assert.ThrowsAsync<IOException>(async () => await ledger.ReleaseAsync(held));
        Assert.That(held.IsCompleted, Is.False);
        Assert.That(ledger.LocalReserved, Is.EqualTo(2m));

        Assert.That(await ledger.ReleaseAsync(held), Is.True);
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero);
        Assert.That(ledger.LocalReserved, Is.Zero);
    }
}
