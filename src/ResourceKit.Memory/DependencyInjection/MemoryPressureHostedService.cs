using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.DependencyInjection;

/// <summary>Starts the <see cref="MemoryPressureMonitor"/> with the host and stops it on shutdown.</summary>
internal sealed class MemoryPressureHostedService(MemoryPressureMonitor monitor, IOptions<ResourceKitMemoryOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RunMonitor)
        {
            monitor.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        monitor.Stop();
        return Task.CompletedTask;
    }
}
