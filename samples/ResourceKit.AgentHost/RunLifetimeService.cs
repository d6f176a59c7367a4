using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ResourceKit.AgentHost;

/// <summary>Logs the start and stop of the run and ends it after <c>--duration</c> when one is given.</summary>
internal sealed partial class RunLifetimeService(
    RunOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<RunLifetimeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Duration is not { } limit)
        {
            LogRunningUntilStopped(logger);
            return;
        }

        LogRunningFor(logger, limit);
        try
        {
            await Task.Delay(limit, timeProvider, stoppingToken).ConfigureAwait(false);
            LogDurationElapsed(logger);
            lifetime.StopApplication();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Ctrl+C before the duration elapsed: the host is already stopping.
        }
    }

    [LoggerMessage(1, LogLevel.Information, "ResourceKit agent host is running; press Ctrl+C to stop.")]
    private static partial void LogRunningUntilStopped(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "ResourceKit agent host is running for {Duration}; press Ctrl+C to stop sooner.")]
    private static partial void LogRunningFor(ILogger logger, TimeSpan duration);

    [LoggerMessage(3, LogLevel.Information, "Run duration elapsed; stopping the host.")]
    private static partial void LogDurationElapsed(ILogger logger);
}
