using ResourceKit.Caching;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>heartbeat (Critical, 5 s): checks every loop is alive and records the host's pulse in the system-config cache.</summary>
internal sealed class HeartbeatLoop(AgentLoopScheduler loops, MemoryPressureMonitor memory, TieredCache cache, TimeProvider time) : IAgentLoop
{
    public long StalledLoops { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stalled = 0;
        foreach (var loop in loops.GetStatistics())
        {
            // A loop is stalled when it has not started for three intervals (and it is not a long-interval loop still waiting for its first tick).
            if (loop.LastRunStarted is { } last && now - last > loop.Interval * 3)
            {
                stalled++;
            }
        }

        StalledLoops = stalled;
        await cache.SetAsync("host:heartbeat", new Heartbeat(now, memory.Level.ToString(), stalled), CachePolicyNames.SystemConfiguration, cancellationToken);
    }

    internal sealed record Heartbeat(DateTimeOffset At, string MemoryPressure, int StalledLoops);
}
