using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ResourceKit.Scheduling;

/// <summary>
/// Starts the agent loops with the host and drains at shutdown: loops are stopped and their tokens signalled with a
/// grace period, then the scheduler finishes or cancels its remaining work within the same grace period.
/// </summary>
internal sealed class SchedulingHostedService(PriorityScheduler scheduler, AgentLoopScheduler loops, IOptions<SchedulingOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        loops.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var grace = options.Value.ShutdownGracePeriod;
        await loops.StopAsync(grace, cancellationToken).ConfigureAwait(false);
        await scheduler.ShutdownAsync(grace, cancellationToken).ConfigureAwait(false);
    }
}
