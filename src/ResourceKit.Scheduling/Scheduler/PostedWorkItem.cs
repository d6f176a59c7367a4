using Microsoft.Extensions.Logging;

namespace ResourceKit.Scheduling;

/// <summary>
/// A fire-and-forget submission: the delegate, its level and nothing else. It has no task, so the caller learns only
/// the admission decision; the outcome is counted and an exception is logged, never rethrown to the worker.
/// </summary>
/// <remarks>
/// It needs no state of its own: an item leaves the queue exactly once, either to a worker or to the shutdown drain,
/// so it can never be both run and canceled. Keeping it to the delegate, the level and the timestamp (40 bytes) is
/// most of what makes posting cheaper than scheduling.
/// </remarks>
internal sealed class PostedWorkItem(Action<CancellationToken> work, WorkPriority priority) : IWorkItem
{
    public WorkPriority Priority { get; } = priority;

    public long EnqueuedTimestamp { get; set; }

    public ValueTask<WorkOutcome> ExecuteAsync(ILogger logger, CancellationToken shutdownToken)
    {
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

    /// <summary>A posted item has no caller token, so only its dequeue releases its place: always the first claim.</summary>
    public bool TryReleaseQueueSlot() => true;

    public void CancelIfQueued(CancellationToken cancellationToken)
    {
        // Nothing to complete: the drain that took it from the queue counts it as canceled.
    }
}
