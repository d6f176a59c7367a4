using ResourceKit.AgentHost.Conversation;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// notification_dispatcher (High, 2 s): moves queued notifications into a <see cref="Batcher{T}"/>, which sends them
/// in batches of up to 20 (seed 004's message-bus batching) with back-pressure when the sender falls behind.
/// </summary>
internal sealed class NotificationDispatcherLoop : IAgentLoop, IAsyncDisposable
{
    private readonly AgentMailbox _mailbox;
    private readonly Batcher<string> _batcher;
    private long _sent;
    private long _batches;

    public NotificationDispatcherLoop(AgentMailbox mailbox, TimeProvider time)
    {
        _mailbox = mailbox;
        _batcher = new Batcher<string>(
            new BatcherOptions { MaxBatchSize = 20, MaxBatchDelay = TimeSpan.FromMilliseconds(250), Capacity = 500 },
            (batch, _) =>
            {
                Interlocked.Add(ref _sent, batch.Count);
                Interlocked.Increment(ref _batches);
                return ValueTask.CompletedTask;
            },
            time);
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Batches => Interlocked.Read(ref _batches);

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        while (_mailbox.Notifications.Reader.TryRead(out var notification))
        {
            await _batcher.AddAsync(notification, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
