using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>
/// At shutdown, before the loops drain, prints the run summary and writes the JSON report when <c>--report</c> names a file.
/// Registered last, so it stops first while every statistic is still live.
/// </summary>
internal sealed class RunReportService(RunReportBuilder builder, RunOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var report = await builder.BuildAsync(cancellationToken);
        Console.WriteLine();
        Console.WriteLine(RunSummary.Format(report));
        if (options.ReportPath is { Length: > 0 } path)
        {
            var full = Path.GetFullPath(path);
            await File.WriteAllTextAsync(full, JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Report written to {full}"));
        }
    }
}
