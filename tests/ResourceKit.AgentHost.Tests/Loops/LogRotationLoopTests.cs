using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Logging;
using ResourceKit.AgentHost.Loops;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class LogRotationLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-rotation-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_CountsOnlyRotationsThatWroteAnArchive()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 3, 0, 0, TimeSpan.Zero));
        using (var earlier = new RollingFileLoggerProvider(_folder, time))
        {
            earlier.CreateLogger("C").Log(LogLevel.Information, new EventId(1), "from the last run", null, (s, _) => s);
        }

        using var log = new RollingFileLoggerProvider(_folder, time);
        var loop = new LogRotationLoop(log);

        await loop.ExecuteAsync(CancellationToken.None);
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Rotations, Is.EqualTo(1), "the second rotation found an empty log");
        Assert.That(Directory.GetFiles(_folder, "*.gz"), Has.Length.EqualTo(1));
    }
}
