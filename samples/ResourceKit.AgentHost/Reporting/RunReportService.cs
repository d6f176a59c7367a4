using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>
/// At shutdown, before the loops drain, prints the run summary and writes the JSON report when <c>--report</c> names a file.
/// Registered last, so it stops first while every statistic is still live. A report that cannot be built or written
/// (the spend store is down, the path is not writable) is logged: it must not fail the host's shutdown.
/// </summary>
internal sealed partial class RunReportService(RunReportBuilder builder, RunOptions options, ILogger<RunReportService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WriteReportAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReportFailed(logger, exception);
        }
    }

    [LoggerMessage(1, LogLevel.Error, "The run report could not be built or written.")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);

    private async Task WriteReportAsync(CancellationToken cancellationToken)
    {
        var report = await builder.BuildAsync(cancellationToken);
        Console.WriteLine();
        Console.WriteLine(RunSummary.Format(report));
        if (options.ReportPath is { Length: > 0 } path)
        {
            var full = Path.GetFullPath(path);
            // Owner-only like the sample's logs: the report lists spend, alerts and loop names.
            await using (var file = new FileStream(full, OwnerOnlyFiles.ForWriting(FileMode.Create)))
            {
                await JsonSerializer.SerializeAsync(file, report, RunReportJsonContext.Default.RunReport, cancellationToken);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Report written to {full}"));
        }
    }
}
