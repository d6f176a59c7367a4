namespace ResourceKit.Scheduling;

/// <summary>Options for a <see cref="PriorityScheduler"/>.</summary>
public sealed class PrioritySchedulerOptions
{
    /// <summary>The default <see cref="CriticalReserve"/>.</summary>
    public const int DefaultCriticalReserve = 1;

    /// <summary>The default <see cref="MaxBypassCount"/>.</summary>
    public const int DefaultMaxBypassCount = 8;

    /// <summary>The default <see cref="CpuThresholdPercent"/>, from the seed's <c>AGENT_MAX_CPU_PERCENT=80</c>.</summary>
    public const double DefaultCpuThresholdPercent = 80;

    /// <summary>The default <see cref="LoopCpuLimitPercent"/>, from the seed's loop check <c>cpu + cpu_limit &gt; 90</c>.</summary>
    public const double DefaultLoopCpuLimitPercent = 90;

    /// <summary>The default <see cref="CpuSampleInterval"/>.</summary>
    public static readonly TimeSpan DefaultCpuSampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="TimeoutGracePeriod"/>.</summary>
    public static readonly TimeSpan DefaultTimeoutGracePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how many workers run non-critical and critical work at once. Async work keeps its worker
    /// until it completes (or, with a timeout, until <see cref="TimeoutGracePeriod"/> after it), so raise this for
    /// work that mostly waits on I/O.
    /// </summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/> (the container's CPU limit inside a cgroup).</value>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Gets or sets how many extra workers may run <see cref="WorkPriority.Critical"/> work when all
    /// <see cref="MaxConcurrency"/> workers are busy, so critical work never waits for lower-level work to finish.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int CriticalReserve { get; set; } = DefaultCriticalReserve;

    /// <summary>Gets the per-level queue length limits.</summary>
    public QueueLengthLimits QueueLengthLimits { get; init; } = new();

    /// <summary>
    /// Gets or sets the starvation bound: once a non-critical level's waiting work has been passed over by this many
    /// dispatches from other non-critical levels, its oldest item is dispatched next. An item at the head of level
    /// <c>L</c> therefore waits for at most <c>MaxBypassCount + (non-critical levels above L)</c> non-critical
    /// dispatches. Critical work is exempt: it always goes first.
    /// </summary>
    /// <value>The default value is 8.</value>
    public int MaxBypassCount { get; set; } = DefaultMaxBypassCount;

    /// <summary>Gets or sets the process CPU utilization, in percent of the machine, above which non-critical work is shed.</summary>
    /// <value>The default value is 80.</value>
    public double CpuThresholdPercent { get; set; } = DefaultCpuThresholdPercent;

    /// <summary>
    /// Gets or sets the CPU limit, in percent of the machine, for agent loops: a non-critical loop tick is skipped when
    /// the current utilization plus the loop's CPU budget would exceed it.
    /// </summary>
    /// <value>The default value is 90.</value>
    public double LoopCpuLimitPercent { get; set; } = DefaultLoopCpuLimitPercent;

    /// <summary>
    /// Gets or sets what happens to non-critical submissions while the CPU is above the threshold.
    /// <see cref="OverloadPolicy.Defer"/> requires a <see cref="QueueLengthLimits"/> bound on every non-critical level.
    /// </summary>
    /// <value>The default value is <see cref="OverloadPolicy.Reject"/>.</value>
    public OverloadPolicy OverloadPolicy { get; set; } = OverloadPolicy.Reject;

    /// <summary>
    /// Gets or sets how long async work that has a timeout may go on after the timeout signalled its token before the
    /// scheduler stops waiting for it: its task then faults with <see cref="TimeoutException"/>, it counts as timed
    /// out, and its worker takes the next item. The work itself cannot be stopped and runs on unattended. This keeps a
    /// call that ignores its token (a hung socket, a library without cancellation) from holding one of the
    /// <see cref="MaxConcurrency"/> workers for good. <see cref="Timeout.InfiniteTimeSpan"/> waits as long as the work runs.
    /// Synchronous work runs on its worker's thread and is always waited for.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan TimeoutGracePeriod { get; set; } = DefaultTimeoutGracePeriod;

    /// <summary>Gets or sets how often the CPU source is sampled; each sample covers the window since the previous one.</summary>
    /// <value>The default value is one second.</value>
    public TimeSpan CpuSampleInterval { get; set; } = DefaultCpuSampleInterval;
}
