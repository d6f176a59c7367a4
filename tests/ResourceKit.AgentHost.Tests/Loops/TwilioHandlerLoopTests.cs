using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Services;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class TwilioHandlerLoopTests
{
    [Test]
    public async Task ExecuteAsync_SmsAndCall_SmsBecomesUserInputAndCallANotification()
    {
        var mailbox = new AgentMailbox();
        var loop = new TwilioHandlerLoop(new ScriptedGateway([new("t1", "sms", "+15550100", "remind me at 5"), new("t2", "call", "+15550199", string.Empty)]), mailbox);

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Events, Is.EqualTo(2));
        Assert.That(mailbox.UserInput.Reader.TryRead(out var input), Is.True);
        Assert.That(input, Is.EqualTo("remind me at 5"));
        Assert.That(mailbox.Notifications.Reader.TryRead(out var notification), Is.True);
        Assert.That(notification, Is.EqualTo("Missed call from +15550199"));
        Assert.That(mailbox.UserInput.Reader.TryRead(out _) || mailbox.Notifications.Reader.TryRead(out _), Is.False);
    }

    private sealed class ScriptedGateway(IReadOnlyList<TelephonyEvent> events) : ITelephonyGateway
    {
        public ValueTask<IReadOnlyList<TelephonyEvent>> PollAsync(CancellationToken cancellationToken) => ValueTask.FromResult(events);
    }
}
