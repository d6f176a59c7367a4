using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>Stops the host when a <see cref="BudgetAction.Shutdown"/> rule reaches its limit.</summary>
internal sealed class BudgetShutdownService(SpendLedger ledger, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ledger.ShutdownRequested += OnShutdownRequested;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        ledger.ShutdownRequested -= OnShutdownRequested;
        return Task.CompletedTask;
    }

    private void OnShutdownRequested(object? sender, BudgetLimitEventArgs e) =>
        services.GetService<IHostApplicationLifetime>()?.StopApplication();
}
