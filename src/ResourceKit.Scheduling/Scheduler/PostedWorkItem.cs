using Microsoft.Extensions.Logging;

namespace ResourceKit.Scheduling;

/// <summary>
/// A fire-and-forget submission: the delegate, its level and nothing else. It has no task, so the caller learns only
/// the admission decision; the outcome is counted and an exception is logged, never rethrown to the worker.
/// </summary>
internal sealed class PostedWorkItem(Action<CancellationToken> work, WorkPriority priority, ILogger logger) : IWorkItem
{
    private const int Queued = 0;
    private const int Finished = 1;

    private int _state;

    public WorkPriority Priority { get; } = priority;

    public long EnqueuedTimestamp { get; set; }

    public ValueTask<WorkOutcome> ExecuteAsync(CancellationToken shutdownToken)
    {
        if (Interlocked.Exchange(ref _state, Finished) != Queued)
        {
            return new ValueTask<WorkOutcome>(WorkOutcome.Canceled);
        }

        try
        {
            work(shutdownToken);
            return new ValueTask<WorkOutcome>(WorkOutcome.Succeeded);
        }
        catch (OperationCanceledException) when (shutdownToken.IsCancellationRequested)
        {
            return new ValueTask<WorkOutcome>(WorkOutcome.Canceled);
        }
#pragma warning disable CA1031 // Posted work has no task to carry its exception: log and count it, never fail the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SchedulingLog.PostedWorkFailed(logger, Priority, exception);
            return new ValueTask<WorkOutcome>(WorkOutcome.Faulted);
        }
    }

    public void CancelIfQueued(CancellationToken cancellationToken) => Interlocked.Exchange(ref _state, Finished);
}
