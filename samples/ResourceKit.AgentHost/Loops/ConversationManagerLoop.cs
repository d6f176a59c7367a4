using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.Cost.Budgets;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// conversation_manager (High, 1 s): sends the simulated users' turns through the LLM pipeline (cache → tiering →
/// budget → provider) a few at a time, and queues each reply to be spoken. A turn that fails (the provider is down,
/// the budget refuses) is counted and logged, and the other turns go on: one user's failed turn must not cancel the rest.
/// </summary>
internal sealed partial class ConversationManagerLoop(
    IChatClient chat,
    ConversationWorkload workload,
    AgentMailbox mailbox,
    ILogger<ConversationManagerLoop> logger) : IAgentLoop
{
    private long _turns;
    private long _refused;
    private long _failed;

    public long Turns => Interlocked.Read(ref _turns);

    public long Refused => Interlocked.Read(ref _refused);

    public long Failed => Interlocked.Read(ref _failed);

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var turns = Enumerable.Range(0, workload.TurnsPerTick).Select(_ => workload.NextTurn()).ToList();
        await Parallel.ForEachAsync(
            turns,
            new ParallelOptions { MaxDegreeOfParallelism = workload.Concurrency, CancellationToken = cancellationToken },
            async (turn, ct) =>
            {
                try
                {
                    var response = await chat.GetResponseAsync(turn.Messages, turn.Options, ct);
                    Interlocked.Increment(ref _turns);
                    mailbox.Speech.Writer.TryWrite(response.Text.Length > 200 ? response.Text[..200] : response.Text);
                }
                catch (BudgetExceededException ex)
                {
                    // A blocked budget is an expected outcome: the turn is refused, the host keeps running.
                    Interlocked.Increment(ref _refused);
                    LogRefused(logger, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Before, Parallel.ForEachAsync cancelled every other turn of the tick and the tick failed.
                    Interlocked.Increment(ref _failed);
                    LogFailed(logger, ex);
                }
            });
    }

    [LoggerMessage(1, LogLevel.Debug, "Turn refused by the budget: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Warning, "A conversation turn failed; the other turns go on.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
