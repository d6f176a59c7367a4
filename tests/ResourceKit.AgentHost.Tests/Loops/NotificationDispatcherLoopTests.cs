using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class NotificationDispatcherLoopTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    [Test]
    public async Task ExecuteAsync_FortyFiveNotifications_SendsFullBatchesAtOnceAndTheRestAfterTheBatchDelay()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var mailbox = new AgentMailbox();
        await using var loop = new NotificationDispatcherLoop(mailbox, time);
        for (var i = 0; i < 45; i++)
        {
            mailbox.Notifications.Writer.TryWrite($"notification {i}");
        }

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(mailbox.Notifications.Reader.TryRead(out _), Is.False, "the queue is drained");
        Assert.That(SpinWait.SpinUntil(() => loop.Sent == 40 && loop.Batches == 2, Guard), Is.True, "two full batches of 20 go at once");

        time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.That(loop.Sent, Is.EqualTo(40), "the partial batch waits for the 250 ms batch delay");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(SpinWait.SpinUntil(() => loop.Sent == 45 && loop.Batches == 3, Guard), Is.True);
    }

    [Test]
    public async Task DisposeAsync_PartialBatchPending_SendsItBeforeTheHostStops()
    {
        var time = new FakeTimeProvider();
        var mailbox = new AgentMailbox();
        var loop = new NotificationDispatcherLoop(mailbox, time);
        mailbox.Notifications.Writer.TryWrite("last words");
        await loop.ExecuteAsync(CancellationToken.None);

        await loop.DisposeAsync();

        Assert.That(loop.Sent, Is.EqualTo(1));
        Assert.That(loop.Batches, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_NothingQueued_SendsNothing()
    {
        var time = new FakeTimeProvider();
        await using var loop = new NotificationDispatcherLoop(new AgentMailbox(), time);

        await loop.ExecuteAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(loop.Sent, Is.Zero);
        Assert.That(loop.Batches, Is.Zero);
    }
}
