using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// memory_cleanup (Low, 5 min): asks every reclaimer (cache memory tier, component pools, resource pools) to give back
/// a tenth of what it holds, whatever the pressure level, so memory does not creep up between pressure events.
/// </summary>
internal sealed class MemoryCleanupLoop(MemoryReclamation reclamation, MemoryPressureMonitor monitor) : IAgentLoop
{
    public long BytesReclaimed { get; private set; }

    public ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var report = reclamation.Reclaim(monitor.Level, 0.10);
        BytesReclaimed += report.BytesFreed;
        return ValueTask.CompletedTask;
    }
}
