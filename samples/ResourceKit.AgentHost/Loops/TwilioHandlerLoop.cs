using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Services;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>twilio_handler (Normal, 10 s): polls for SMS and calls; texts become user input, calls become notifications.</summary>
internal sealed class TwilioHandlerLoop(ITelephonyGateway gateway, AgentMailbox mailbox) : IAgentLoop
{
    public long Events { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        foreach (var e in await gateway.PollAsync(cancellationToken))
        {
            Events++;
            if (e.Kind == "sms")
            {
                mailbox.UserInput.Writer.TryWrite(e.Body);
            }
            else
            {
                mailbox.Notifications.Writer.TryWrite($"Missed call from {e.From}");
            }
        }
    }
}
