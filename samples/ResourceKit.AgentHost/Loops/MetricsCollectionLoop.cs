using ResourceKit.Agents.Monitoring;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>metrics_collection (Background, 60 s): samples every metric into the health monitor, which raises alerts and scores health.</summary>
internal sealed class MetricsCollectionLoop(HealthMonitor health) : IAgentLoop
{
    public async ValueTask ExecuteAsync(CancellationToken cancellationToken) => await health.SampleAsync(cancellationToken);
}
