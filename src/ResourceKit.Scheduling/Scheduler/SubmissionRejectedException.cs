using System.Globalization;

namespace ResourceKit.Scheduling;

/// <summary>
/// Thrown (through the returned task) by the <c>RunAsync</c> methods of <see cref="PriorityScheduler"/> when the
/// work was rejected; the <c>TrySchedule</c> methods report the same outcome as a <see cref="ScheduleResult"/> instead.
/// </summary>
public sealed class SubmissionRejectedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SubmissionRejectedException"/> class.</summary>
    public SubmissionRejectedException()
        : this("The work item was rejected by the scheduler.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubmissionRejectedException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public SubmissionRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubmissionRejectedException"/> class with a message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public SubmissionRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SubmissionRejectedException"/> class for a rejection.</summary>
    /// <param name="priority">The priority of the rejected work.</param>
    /// <param name="reason">Why it was rejected.</param>
    /// <param name="cpuUtilization">The process CPU utilization (0–1 of the machine) when it was rejected.</param>
    public SubmissionRejectedException(WorkPriority priority, RejectionReason reason, double cpuUtilization)
        : base(Describe(priority, reason, cpuUtilization))
    {
        Priority = priority;
        Reason = reason;
        CpuUtilization = cpuUtilization;
    }

    /// <summary>Gets the priority of the rejected work.</summary>
    public WorkPriority Priority { get; }

    /// <summary>Gets why the work was rejected.</summary>
    public RejectionReason Reason { get; }

    /// <summary>Gets the process CPU utilization (0–1 of the machine) when the work was rejected.</summary>
    public double CpuUtilization { get; }

    private static string Describe(WorkPriority priority, RejectionReason reason, double cpu) => reason switch
    {
        RejectionReason.CpuOverload => string.Format(CultureInfo.InvariantCulture, "{0} work was shed: process CPU is {1:P0}, above the scheduler's threshold.", priority, cpu),
        RejectionReason.QueueFull => string.Format(CultureInfo.InvariantCulture, "{0} work was rejected: the {0} queue is at its length limit.", priority),
        RejectionReason.ShuttingDown => string.Format(CultureInfo.InvariantCulture, "{0} work was rejected: the scheduler is shutting down.", priority),
        _ => string.Format(CultureInfo.InvariantCulture, "{0} work was rejected ({1}).", priority, reason),
    };
}
