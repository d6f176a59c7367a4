using Microsoft.Extensions.Hosting;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Agents.Hosting;

/// <summary>
/// Registers each component's pool with memory reclamation at start and removes it at stop. The component list comes
/// from configuration, so the pools cannot be registered as services one by one.
/// </summary>
internal sealed class ComponentPoolRegistration(AgentComponents components, MemoryReclamation reclamation) : IHostedService
{
    private readonly List<IDisposable> _registrations = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var pool in components.Pools)
        {
            _registrations.Add(reclamation.Register(pool));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();
        return Task.CompletedTask;
    }
}
