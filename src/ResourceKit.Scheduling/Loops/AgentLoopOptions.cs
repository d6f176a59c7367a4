namespace ResourceKit.Scheduling;

/// <summary>
/// How one agent loop is scheduled. The loop's name is its key (in <c>SchedulingOptions.Loops</c>) or the
/// argument to <see cref="AgentLoopScheduler.Add(string, AgentLoopOptions, IAgentLoop)"/>.
/// </summary>
public sealed class AgentLoopOptions
{
    /// <summary>The default <see cref="CpuBudgetPercent"/>, from the seed's default <c>cpu_limit</c>.</summary>
    public const double DefaultCpuBudgetPercent = 10;

    /// <summary>
    /// The shortest timeout a loop gets when <see cref="Timeout"/> is not set: a run's default timeout is its
    /// <see cref="Interval"/> or this, whichever is longer.
    /// </summary>
    public static readonly TimeSpan DefaultTimeoutFloor = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the level the loop's runs are scheduled at.</summary>
    /// <value>The default value is <see cref="WorkPriority.Normal"/>.</value>
    public WorkPriority Priority { get; set; } = WorkPriority.Normal;

    /// <summary>
    /// Gets or sets the time between ticks. Ticks fall on a fixed grid from the start, so runs do not drift. At most
    /// about 49.7 days (0xFFFFFFFE ms, the longest a timer can wait), together with <see cref="Jitter"/>.
    /// </summary>
    /// <value>There is no default: it must be set and greater than zero.</value>
    public TimeSpan Interval { get; set; }

    /// <summary>
    /// Gets or sets the CPU the loop is expected to need, in percent of the machine (all cores, or the container's
    /// CPU limit), on the same scale as <see cref="PrioritySchedulerOptions.LoopCpuLimitPercent"/>. A non-critical tick is
    /// skipped when current utilization plus this budget exceeds that limit.
    /// </summary>
    /// <value>The default value is 10.</value>
    public double CpuBudgetPercent { get; set; } = DefaultCpuBudgetPercent;

    /// <summary>Gets or sets what the loop is for, shown in statistics and dashboards.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Description { get; set; }

    /// <summary>Gets or sets what happens to ticks that arrive while the previous run is still queued or running.</summary>
    /// <value>The default value is <see cref="MissedTickPolicy.Skip"/>.</value>
    public MissedTickPolicy MissedTickPolicy { get; set; } = MissedTickPolicy.Skip;

    /// <summary>Gets or sets the bound of the random delay added to each tick (uniform in [0, <see cref="Jitter"/>)), so loops with equal intervals spread out.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>; it must be less than <see cref="Interval"/>.</value>
    public TimeSpan Jitter { get; set; }

    /// <summary>
    /// Gets or sets how long after start the first tick comes, or <see langword="null"/> for one interval. A short delay
    /// lets long-interval loops (log rotation every hour, self-optimization every 30 minutes) run once soon after start.
    /// At most about 49.7 days, together with <see cref="Jitter"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (one interval).</value>
    public TimeSpan? InitialDelay { get; set; }

    /// <summary>
    /// Gets or sets how long one run may take before its token is signalled and it counts as failed; at most about
    /// 49.7 days. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> means no limit. A run that ignores its token
    /// keeps its scheduler worker for <see cref="PrioritySchedulerOptions.TimeoutGracePeriod"/> more, then the worker is
    /// freed; the loop itself does not run again until that run ends, and reports it as stalled meanwhile.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the run's timeout is <see cref="Interval"/> or
    /// <see cref="DefaultTimeoutFloor"/> (5 minutes), whichever is longer. A hung call must not hold a worker for ever,
    /// but a default must not cut off legitimate work either: a run that outlives both its interval and five minutes
    /// (longer than common LLM client timeouts) is taken as hung, while a run that is merely slower than a short
    /// interval only misses ticks. Set it explicitly for loops whose runs should be short.
    /// </value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets a value indicating whether the loop runs; configuration can switch a loop off.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the name of the registered handler that runs this loop (dependency injection only), so one handler
    /// can serve several configured loops.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the handler registered under the loop's own name.</value>
    public string? Handler { get; set; }

    /// <summary>Gets the timeout a run actually gets: <see cref="Timeout"/>, its default when unset, <see langword="null"/> for none.</summary>
    internal TimeSpan? EffectiveTimeout => Timeout switch
    {
        null => Interval > DefaultTimeoutFloor ? Interval : DefaultTimeoutFloor,
        { } none when none == System.Threading.Timeout.InfiniteTimeSpan => null,
        { } timeout => timeout,
    };

    /// <summary>Copies the options, so later changes to this instance do not affect a running loop.</summary>
    /// <returns>The copy.</returns>
    public AgentLoopOptions Clone() => (AgentLoopOptions)MemberwiseClone();
}
