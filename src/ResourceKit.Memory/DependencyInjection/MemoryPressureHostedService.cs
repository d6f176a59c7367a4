using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.DependencyInjection;

/// <summary>Starts the <see cref="MemoryPressureMonitor"/> and the <see cref="GcTuner"/> with the host and stops sampling on shutdown.</summary>
/// <remarks>The tuner restores the original GC settings when the container disposes it.</remarks>
internal sealed class MemoryPressureHostedService(MemoryPressureMonitor monitor, GcTuner tuner, IOptions<ResourceKitMemoryOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RunMonitor)
        {
            monitor.Start();
            tuner.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        monitor.Stop();
        return Task.CompletedTask;
    }
}
