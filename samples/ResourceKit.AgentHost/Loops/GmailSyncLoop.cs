using System.Text;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Services;
using ResourceKit.Agents.Hosting;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// gmail_sync (Normal, 30 s): fetches new mail and keeps the bodies in the Gmail component's budgeted memory pool
/// (128 MB at most; the oldest bodies are evicted first), and notifies the user of each message.
/// </summary>
internal sealed class GmailSyncLoop(IMailboxClient mailbox, AgentComponents components, AgentMailbox queues) : IAgentLoop
{
    public long Synced { get; private set; }

    public long Rejected { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var pool = components.PoolOf("gmail_service");
        foreach (var message in await mailbox.FetchNewAsync(cancellationToken))
        {
            var allocation = pool.TryAddBytes($"mail:{message.Id}", Encoding.UTF8.GetBytes(message.Body));
            if (allocation.Succeeded)
            {
                Synced++;
                queues.Notifications.Writer.TryWrite($"New mail from {message.From}: {message.Subject}");
            }
            else
            {
                Rejected++;
            }
        }
    }
}
