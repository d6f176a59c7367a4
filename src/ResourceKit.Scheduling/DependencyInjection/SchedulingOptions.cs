namespace ResourceKit.Scheduling;

/// <summary>
/// Options for <c>AddResourceKitScheduling</c>: the scheduler, the agent loops by name, and the shutdown grace period.
/// Bind it from a configuration section so the loop table can live in <c>appsettings.json</c>.
/// </summary>
public sealed class SchedulingOptions
{
    /// <summary>The default <see cref="ShutdownGracePeriod"/>.</summary>
    public static readonly TimeSpan DefaultShutdownGracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>Gets the priority scheduler's options.</summary>
    public PrioritySchedulerOptions Scheduler { get; init; } = new();

    /// <summary>
    /// Gets the agent loops, keyed by name (case-insensitive). Each loop runs the handler registered under its name,
    /// or under <see cref="AgentLoopOptions.Handler"/> when set.
    /// </summary>
    public Dictionary<string, AgentLoopOptions> Loops { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets how long, at host shutdown, running loops may take after their tokens are signalled, and then how
    /// long queued and running ad-hoc work may take before it is signalled and canceled.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ShutdownGracePeriod { get; set; } = DefaultShutdownGracePeriod;
}
