using Microsoft.Extensions.Logging;

namespace ResourceKit.Scheduling;

/// <summary>How one dispatched work item ended; counted by the scheduler's statistics and metrics.</summary>
internal enum WorkOutcome
{
    Succeeded,
    Faulted,
    Canceled,
    TimedOut,
}

/// <summary>A queued unit of work, independent of its result type.</summary>
internal interface IWorkItem
{
    WorkPriority Priority { get; }

    long EnqueuedTimestamp { get; set; }

    /// <summary>Runs the work on the calling worker. Never throws: the outcome goes to the item's own task, or to <paramref name="logger"/> when it has none.</summary>
    ValueTask<WorkOutcome> ExecuteAsync(ILogger logger, CancellationToken shutdownToken);

    /// <summary>Cancels the item if it has not started; used when the scheduler drops its queue at shutdown.</summary>
    void CancelIfQueued(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the item's place in its level's length count, exactly once: when it is dequeued, or when its caller
    /// cancels it while it waits (so dead items do not fill a bounded level). Returns false to every later claimant.
    /// </summary>
    bool TryReleaseQueueSlot();
}
