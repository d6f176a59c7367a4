using System.Text.Json;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Monitoring;

public sealed class JsonLinesAlertSinkTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Path.Combine(Path.GetTempPath(), "rk-alerts-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task PublishAsync_AppendsOneJsonObjectPerLine_OwnerOnly()
    {
        using var sink = new JsonLinesAlertSink(Path.Combine(_folder, "logs", "alerts.jsonl"));
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            sink.PublishAsync(new Alert(AlertLevel.Critical, "system", "cpu_percent", 90 + (i % 5), 85, $"alert {i}", at)).AsTask()));

        var lines = await File.ReadAllLinesAsync(sink.FilePath);
        Assert.That(lines, Has.Length.EqualTo(20));
        using var first = JsonDocument.Parse(lines[0]);
        Assert.That(first.RootElement.GetProperty("level").GetString(), Is.EqualTo("Critical"));
        Assert.That(first.RootElement.GetProperty("metric").GetString(), Is.EqualTo("cpu_percent"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(sink.FilePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(sink.FilePath)!) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead), Is.EqualTo(UnixFileMode.None));
        }
    }

    [Test]
    public async Task PublishAsync_Returns_WithTheLineWrittenAndTheFileClosed()
    {
        var sink = new JsonLinesAlertSink(Path.Combine(_folder, "alerts.jsonl"));
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        await sink.PublishAsync(new Alert(AlertLevel.Emergency, "cost", "api_cost_hourly", 5.2, 5, "over", at));

        // Exclusive access fails while any handle is open, so this shows the sink holds nothing between alerts and has
        // nothing to flush when it is disposed, or never disposed.
        using var exclusive = new FileStream(sink.FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        using var reader = new StreamReader(exclusive);
        Assert.That(await reader.ReadToEndAsync(), Does.Contain("\"value\":5.2").And.EndWith("\n"));
    }

    [Test]
    public void Constructor_EmptyPath_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new JsonLinesAlertSink(" "));
    }
}
