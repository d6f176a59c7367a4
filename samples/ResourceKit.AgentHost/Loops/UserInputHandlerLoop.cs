using ResourceKit.AgentHost.Conversation;
using ResourceKit.Caching;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>user_input_handler (High, 500 ms): takes commands the user spoke or typed and records them in the conversation history.</summary>
internal sealed class UserInputHandlerLoop(AgentMailbox mailbox, TieredCache cache) : IAgentLoop
{
    private const int MaxHistory = 50;

    public long Handled { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var batch = new List<string>();
        while (batch.Count < 32 && mailbox.UserInput.Reader.TryRead(out var command))
        {
            batch.Add(command.Trim());
        }

        if (batch.Count == 0)
        {
            return;
        }

        var history = await cache.GetOrCreateAsync("conversation:history", _ => ValueTask.FromResult(new List<string>()), CachePolicyNames.ConversationHistory, cancellationToken);
        var updated = history.Concat(batch).TakeLast(MaxHistory).ToList();
        await cache.SetAsync("conversation:history", updated, CachePolicyNames.ConversationHistory, cancellationToken);
        Handled += batch.Count;
    }
}
