using System.Threading.Channels;

namespace ResourceKit.AgentHost.Conversation;

/// <summary>The queues the loops hand work through: user input, speech to synthesize and notifications to send.</summary>
internal sealed class AgentMailbox
{
    private static BoundedChannelOptions Bounded(int capacity) =>
        new(capacity) { FullMode = BoundedChannelFullMode.DropOldest };

    /// <summary>Commands typed or spoken by the user, for the input handler.</summary>
    public Channel<string> UserInput { get; } = Channel.CreateBounded<string>(Bounded(1_000));

    /// <summary>Replies to speak, for the TTS processor.</summary>
    public Channel<string> Speech { get; } = Channel.CreateBounded<string>(Bounded(100));

    /// <summary>Notifications for the dispatcher.</summary>
    public Channel<string> Notifications { get; } = Channel.CreateBounded<string>(Bounded(10_000));
}
