using ResourceKit.Caching;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// heartbeat (Critical, 5 s): checks every loop is alive and records the host's pulse in the system-config cache.
/// </summary>
/// <remarks>
/// A loop that has not started for more than three intervals is one of two things, and only one is a fault:
/// <list type="bullet">
/// <item><description><b>Stalled</b>: its own run has been in flight that long, or it has had no tick at all (no run
/// and no skip) for that long, so its timer is not firing.</description></item>
/// <item><description><b>Held back</b>: its ticks come but are skipped, because its CPU budget would exceed the loop
/// limit, the scheduler rejected them, or they wait behind higher-priority work (a loop that has never run: more than
/// three of its ticks were). That is load shedding doing its job, not a dead loop, and counting it as stalled would
/// raise the alarm exactly when the host protects itself.</description></item>
/// </list>
/// </remarks>
internal sealed class HeartbeatLoop(AgentLoopScheduler loops, MemoryPressureMonitor memory, TieredCache cache, TimeProvider time) : IAgentLoop
{
    // Per loop: its ticks handled (runs and skips) at the last heartbeat that saw them change, and when that was. Only
    // this loop's runs touch it, and a loop never runs twice at once.
    private readonly Dictionary<string, (long Ticks, DateTimeOffset Since)> _lastTicks = new(StringComparer.Ordinal);

    /// <summary>Gets how many loops the last heartbeat found stalled.</summary>
    public long StalledLoops { get; private set; }

    /// <summary>Gets how many loops the last heartbeat found held back by load shedding.</summary>
    public long HeldBackLoops { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stalled = 0;
        var heldBack = 0;
        foreach (var loop in loops.GetStatistics())
        {
            var limit = loop.Interval * 3;
            var ticks = loop.Runs + loop.Skips;
            if (!_lastTicks.TryGetValue(loop.Name, out var seen) || seen.Ticks != ticks)
            {
                // First sight counts as a tick: a long-interval loop still waiting for its first one is not silent yet.
                seen = (ticks, now);
                _lastTicks[loop.Name] = seen;
            }

            if (loop.RunningFor > limit || now - seen.Since > limit)
            {
                stalled++;
            }
            else if (loop.RunningFor is null && (loop.LastRunStarted is { } last ? now - last > limit : loop.Skips > 3))
            {
                // A loop that never ran has no last start to measure from; more than three skipped ticks is the same
                // span counted in ticks.
                heldBack++;
            }
        }

        StalledLoops = stalled;
        HeldBackLoops = heldBack;
        await cache.SetAsync("host:heartbeat", new Heartbeat(now, memory.Level.ToString(), stalled, heldBack), CachePolicyNames.SystemConfiguration, cancellationToken);
    }

    /// <summary>The pulse the heartbeat leaves in the cache.</summary>
    /// <param name="At">When it was taken.</param>
    /// <param name="MemoryPressure">The memory pressure level then.</param>
    /// <param name="StalledLoops">Loops stuck in a run, or with no tick, for more than three intervals.</param>
    /// <param name="HeldBackLoops">Loops not started for more than three intervals because their ticks were shed.</param>
    internal sealed record Heartbeat(DateTimeOffset At, string MemoryPressure, int StalledLoops, int HeldBackLoops);
}
