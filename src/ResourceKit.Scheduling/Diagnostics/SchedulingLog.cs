using Microsoft.Extensions.Logging;

namespace ResourceKit.Scheduling;

/// <summary>Source-generated log messages for the package.</summary>
internal static partial class SchedulingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Reading the CPU utilization failed; keeping the previous reading.")]
    public static partial void CpuSampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Shutdown grace period of {GracePeriod} elapsed with work still queued or running; signalling cancellation.")]
    public static partial void GracePeriodElapsed(ILogger logger, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Process CPU {Utilization:P0} crossed the {Threshold:P0} threshold; overloaded = {Overloaded}.")]
    public static partial void OverloadChanged(ILogger logger, double utilization, double threshold, bool overloaded);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Posted {Priority} work threw; the exception is counted as faulted and fails nothing else.")]
    public static partial void PostedWorkFailed(ILogger logger, WorkPriority priority, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The CPU sample failed; the next sample tries again.")]
    public static partial void CpuSamplerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Agent loop {Loop} failed; it keeps its schedule.")]
    public static partial void LoopFailed(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Agent loop {Loop} skipped: CPU {Utilization:P0} plus its budget {Budget}% would exceed {Limit}%.")]
    public static partial void LoopSkippedForCpu(ILogger logger, string loop, double utilization, double budget, double limit);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Agent loop {Loop} tick was rejected by the scheduler ({Reason}); further rejections are measured (resourcekit.scheduling.loop.skips, reason rejected) but not logged until the loop is scheduled again.")]
    public static partial void LoopRejected(ILogger logger, string loop, RejectionReason reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Agent loop {Loop} is scheduled again after {Rejected} rejected ticks ({Reason}).")]
    public static partial void LoopAcceptedAgain(ILogger logger, string loop, long rejected, RejectionReason reason);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "Agent loop {Loop} tick failed; the loop keeps its schedule.")]
    public static partial void LoopTickFailed(ILogger logger, string loop, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Agent loops did not all finish within the {GracePeriod} grace period.")]
    public static partial void LoopsDidNotDrain(ILogger logger, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Agent loop {Loop} run ignored its token after its {Timeout} timeout; the scheduler freed its worker. The loop is stalled and runs again only when that run ends.")]
    public static partial void LoopRunAbandoned(ILogger logger, string loop, TimeSpan timeout);

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Flushing a batch of {Count} items failed.")]
    public static partial void BatchFlushFailed(ILogger logger, int count, Exception exception);
}
