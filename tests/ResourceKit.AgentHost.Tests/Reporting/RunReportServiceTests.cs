using System.Text.Json;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.AgentHost.Tests.TestSupport;

namespace ResourceKit.AgentHost.Tests.Reporting;

public sealed class RunReportServiceTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-report-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task StopAsync_SpendStoreDown_LogsTheFailureAndDoesNotFailTheShutdown()
    {
        var report = Path.Combine(_folder, "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore { IsDown = true }, "--report", report);
        using var console = new ConsoleCapture();
        var service = host.HostedService<RunReportService>();

        await service.StartAsync(CancellationToken.None);
        Assert.That(() => service.StopAsync(CancellationToken.None), Throws.Nothing);

        var error = host.Logs.GetSnapshot().Single(r => r.Category == typeof(RunReportService).FullName);
        Assert.That(error.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(error.Message, Is.EqualTo("The run report could not be built or written."));
        Assert.That(error.Exception, Is.InstanceOf<IOException>().With.Message.EqualTo("The spend store is down."));
        Assert.That(File.Exists(report), Is.False);
    }

    [Test]
    public async Task StopAsync_StoreUp_PrintsTheSummaryAndWritesTheJsonReport()
    {
        var report = Path.Combine(_folder, "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--report", report, "--load", "high");
        using var console = new ConsoleCapture();
        var service = host.HostedService<RunReportService>();
        host.Time.Advance(TimeSpan.FromSeconds(90));

        await service.StopAsync(CancellationToken.None);

        Assert.That(host.Logs.GetSnapshot().Where(r => r.Category == typeof(RunReportService).FullName), Is.Empty);
        var printed = string.Join('\n', console.TakeWritten());
        Assert.That(printed, Does.Contain("turns 0 (refused 0, failed 0), provider calls 0, alerts 0"));
        Assert.That(printed, Does.Contain("=== ResourceKit agent host: 90 s, load high ===").And.Contain($"Report written to {report}"));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var root = json.RootElement;
        Assert.That(root.GetProperty("load").GetString(), Is.EqualTo("high"));
        Assert.That(root.GetProperty("durationSeconds").GetDouble(), Is.EqualTo(90));
        Assert.That(root.GetProperty("loops").GetArrayLength(), Is.EqualTo(15));
        Assert.That(
            root.GetProperty("spend").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("rule").GetString()),
            Is.EqualTo(new[] { "hourly_limit", "daily_limit", "monthly_limit" }));
        Assert.That(root.GetProperty("work").GetProperty("conversationTurns").GetInt64(), Is.Zero);
        Assert.That(root.GetProperty("work").GetProperty("providerCalls").GetInt64(), Is.Zero, "the simulated model is the provider and counts its calls");
    }

    [Test]
    public async Task StopAsync_OnUnix_CreatesTheReportReadableByTheOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes only.");
            return;
        }

        var report = Path.Combine(_folder, "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--report", report);
        using var console = new ConsoleCapture();

        await host.HostedService<RunReportService>().StopAsync(CancellationToken.None);

        Assert.That(File.GetUnixFileMode(report), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "like the log files; the umask left it 0644");
        Assert.That(() => JsonDocument.Parse(File.ReadAllText(report)).Dispose(), Throws.Nothing);
    }

    [Test]
    public async Task StopAsync_RealEndpointConfigured_ReportsProviderCallsAsNotCounted()
    {
        // Before: the simulated model, registered but unused, reported 0 provider calls (and a 100 % hit ratio once turns ran).
        var report = Path.Combine(_folder, "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--report", report, "--Llm:Endpoint", "http://127.0.0.1:9/v1");
        using var console = new ConsoleCapture();
        var service = host.HostedService<RunReportService>();

        await service.StopAsync(CancellationToken.None);

        Assert.That(host.Logs.GetSnapshot().Where(r => r.Category == typeof(RunReportService).FullName).Select(r => r.Exception?.ToString()), Is.Empty);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.That(json.RootElement.GetProperty("work").GetProperty("providerCalls").GetInt64(), Is.EqualTo(-1));
        Assert.That(json.RootElement.GetProperty("cacheHitRatio").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(console.TakeWritten(), Has.Some.EqualTo("turns 0 (refused 0, failed 0), provider calls -, alerts 0"));
    }

    [Test]
    public async Task StopAsync_ReportFolderMissing_PrintsTheSummaryAndLogsTheWriteFailure()
    {
        var report = Path.Combine(_folder, "missing", "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--report", report);
        using var console = new ConsoleCapture();
        var service = host.HostedService<RunReportService>();

        Assert.That(() => service.StopAsync(CancellationToken.None), Throws.Nothing);

        Assert.That(console.TakeWritten(), Has.Some.StartWith("=== ResourceKit agent host:"));
        var error = host.Logs.GetSnapshot().Single(r => r.Category == typeof(RunReportService).FullName);
        Assert.That(error.Exception, Is.InstanceOf<DirectoryNotFoundException>());
    }

    [Test]
    public async Task StopAsync_FileLogDroppedLines_SummaryAndReportSayHowManyAndWhere()
    {
        var report = Path.Combine(_folder, "run.json");
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--report", report);
        using var console = new ConsoleCapture();
        host.FileLog.Dispose(); // every later line is dropped and counted, as on a full queue or a failing disk
        var logger = host.FileLog.CreateLogger("Sample");
        logger.Log(LogLevel.Warning, new EventId(1), "lost", null, (message, _) => message);
        logger.Log(LogLevel.Warning, new EventId(1), "lost too", null, (message, _) => message);

        await host.HostedService<RunReportService>().StopAsync(CancellationToken.None);

        Assert.That(console.TakeWritten(), Has.Some.EqualTo($"file log {host.FileLog.CurrentPath}: 2 lines dropped"));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.That(json.RootElement.GetProperty("logLinesDropped").GetInt64(), Is.EqualTo(2));
        Assert.That(json.RootElement.GetProperty("logPath").GetString(), Is.EqualTo(Path.Combine(host.DataFolder, "logs", "agenthost.log")));
    }
}
