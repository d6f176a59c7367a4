using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Agents.Dashboard;

namespace ResourceKit.AgentHost.Tests;

public sealed class ConsoleStatusServiceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(7); // not a period any other timer of the host uses
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-status-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_SpendStoreDown_LogsAWarningAndPrintsTheStatusOnceTheStoreIsBack()
    {
        var store = new FlakySpendStore { IsDown = true };
        await using var host = SampleHost.Create(_folder, store, "--status", "7s");
        using var console = new ConsoleCapture();
        var status = host.HostedService<ConsoleStatusService>();
        var timer = host.Time.NextTimerWithPeriod(Interval);

        await status.StartAsync(CancellationToken.None);
        await timer.WaitAsync(SampleHost.Guard);
        host.Time.Advance(Interval);
        var warning = await host.WaitForLogAsync(r => r.Category == typeof(ConsoleStatusService).FullName);

        Assert.That(warning.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(warning.Exception, Is.InstanceOf<IOException>().With.Message.EqualTo("The spend store is down."));
        Assert.That(status.ExecuteTask!.IsCompleted, Is.False, "the status loop keeps running");

        store.IsDown = false;
        host.Time.Advance(Interval);
        var line = await console.Lines.ReadAsync().AsTask().WaitAsync(SampleHost.Guard);

        Assert.That(line, Does.Contain("loops 15 runs 0").And.Contain("| hourly_limit $0.000/5 | daily_limit $0.000/50 | monthly_limit $0.000/1000 | budget actions 0"));
        await status.StopAsync(CancellationToken.None);
        Assert.That(status.ExecuteTask.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task StopAsync_BeforeTheFirstTick_EndsWithoutPrintingOrLogging()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore { IsDown = true }, "--status", "7s");
        using var console = new ConsoleCapture();
        var status = host.HostedService<ConsoleStatusService>();
        var timer = host.Time.NextTimerWithPeriod(Interval);

        await status.StartAsync(CancellationToken.None);
        await timer.WaitAsync(SampleHost.Guard);
        await status.StopAsync(CancellationToken.None);

        Assert.That(status.ExecuteTask!.IsCompletedSuccessfully, Is.True);
        Assert.That(console.Lines.TryRead(out _), Is.False);
        Assert.That(host.Logs.GetSnapshot().Where(r => r.Category == typeof(ConsoleStatusService).FullName), Is.Empty);
    }

    [TestCase(5, "[00:00:05]")]
    [TestCase((30 * 3600) + 62, "[30:01:02]")]
    [TestCase(400 * 86400, "[9600:00:00]")]
    public async Task Format_UptimeOverADay_ShowsTotalHours(int seconds, string expected)
    {
        // Before: hh:mm:ss showed the hours of the day, so a host up for 30 h showed [06:01:02].
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var snapshot = await host.Services.GetRequiredService<DashboardSnapshotBuilder>().CaptureAsync();

        var line = ConsoleStatusService.Format(snapshot with { System = snapshot.System with { Uptime = TimeSpan.FromSeconds(seconds) } }, budgetActions: 2, droppedLogLines: 0);

        Assert.That(line, Does.StartWith(expected + " loops 15 runs 0 skips 0 fails 0 waiting 15 stalled 0 | cpu "));
        Assert.That(line, Does.EndWith("| budget actions 2 | alerts 0"), "no dropped log lines, nothing said about them");
    }

    [Test]
    public async Task ExecuteAsync_FileLogDroppedLines_ThePrintedStatusSaysHowMany()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--status", "7s");
        using var console = new ConsoleCapture();
        var status = host.HostedService<ConsoleStatusService>();
        var timer = host.Time.NextTimerWithPeriod(Interval);

        // A closed file log drops (and counts) every line, as a full queue or a failing disk does.
        host.FileLog.Dispose();
        var logger = host.FileLog.CreateLogger("Sample");
        for (var i = 0; i < 3; i++)
        {
            logger.Log(LogLevel.Information, new EventId(1), "lost", null, (message, _) => message);
        }

        await status.StartAsync(CancellationToken.None);
        await timer.WaitAsync(SampleHost.Guard);
        host.Time.Advance(Interval);
        var line = await console.Lines.ReadAsync().AsTask().WaitAsync(SampleHost.Guard);
        await status.StopAsync(CancellationToken.None);

        Assert.That(line, Does.EndWith("| budget actions 0 | alerts 0 | log lines dropped 3"));
    }
}
