using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Samples the <see cref="HealthMonitor"/> on a <see cref="TimeProvider"/> timer when <see cref="HealthMonitorOptions.SampleOnTimer"/> is set.</summary>
/// <param name="monitor">The monitor.</param>
/// <param name="options">The options.</param>
/// <param name="timeProvider">The time provider.</param>
internal sealed class HealthMonitorService(HealthMonitor monitor, IOptions<HealthMonitorOptions> options, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SampleOnTimer)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SampleInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await monitor.SampleAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
