using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>A renewal timer that cannot be created fails the call without leaving its hold behind.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public void GetResponseAsync_RenewalTimerCannotBeCreated_ThrowsAndReleasesTheHold()
    {
        var (ledger, store) = LedgerWhoseTimersFailAfterStart();
        using var _ = ledger;
        using var client = Create(ledger: ledger);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await client.GetResponseAsync(Prompt));

        Assert.That(store.OpenReservations, Is.Zero, "the store's hold is released");
        Assert.That(ledger.LocalReserved, Is.Zero);
    }

    [Test]
    public void GetStreamingResponseAsync_RenewalTimerCannotBeCreated_ThrowsAndReleasesTheHold()
    {
        var (ledger, store) = LedgerWhoseTimersFailAfterStart();
        using var _ = ledger;
        using var client = Create(ledger: ledger);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await client.GetStreamingResponseAsync(Prompt).ToListAsync());

        Assert.That(store.OpenReservations, Is.Zero, "the store's hold is released");
        Assert.That(ledger.LocalReserved, Is.Zero);
    }

    private (SpendLedger Ledger, MemorySpendStore Store) LedgerWhoseTimersFailAfterStart()
    {
        var time = new TimerRefusingTimeProvider(_time.GetUtcNow());
        var store = new MemorySpendStore();
        var ledger = new SpendLedger(_options, store, time);
        time.RefuseTimers = true;
        return (ledger, store);
    }

    /// <summary>A fake clock that, once told to, refuses timers as the system clock refuses a period past its maximum.</summary>
    private sealed class TimerRefusingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public bool RefuseTimers { get; set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            RefuseTimers
                ? throw new ArgumentOutOfRangeException(nameof(dueTime), "The timer period is too long.")
                : base.CreateTimer(callback, state, dueTime, period);
    }
}
