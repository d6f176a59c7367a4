using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ResourceKit.AgentHost.Tests.TestSupport;

namespace ResourceKit.AgentHost.Tests;

public sealed class RunLifetimeServiceTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-lifetime-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_Duration_StopsTheHostWhenItElapsesAndNotBefore()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--duration", "90s");
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var service = host.HostedService<RunLifetimeService>();
        var delay = host.Time.NextDelayOf(TimeSpan.FromSeconds(90));

        await service.StartAsync(CancellationToken.None);
        await delay.WaitAsync(SampleHost.Guard);
        host.Time.Advance(TimeSpan.FromSeconds(89));
        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        await service.ExecuteTask!.WaitAsync(SampleHost.Guard);

        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.True);
        Assert.That(
            host.Logs.GetSnapshot().Where(r => r.Category == typeof(RunLifetimeService).FullName).Select(r => r.Message),
            Is.EqualTo(new[] { "ResourceKit agent host is running for 00:01:30; press Ctrl+C to stop sooner.", "Run duration elapsed; stopping the host." }));
    }

    [Test]
    public async Task ExecuteAsync_NoDuration_RunsUntilStopped()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var service = host.HostedService<RunLifetimeService>();

        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!.WaitAsync(SampleHost.Guard);

        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);
        var record = await host.WaitForLogAsync(r => r.Category == typeof(RunLifetimeService).FullName);
        Assert.That(record.Message, Is.EqualTo("ResourceKit agent host is running; press Ctrl+C to stop."));
    }

    [Test]
    public async Task StopAsync_BeforeTheDurationElapses_EndsQuietly()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore(), "--duration", "1h");
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var service = host.HostedService<RunLifetimeService>();
        var delay = host.Time.NextDelayOf(TimeSpan.FromHours(1));

        await service.StartAsync(CancellationToken.None);
        await delay.WaitAsync(SampleHost.Guard);
        await service.StopAsync(CancellationToken.None);

        Assert.That(service.ExecuteTask!.IsCompletedSuccessfully, Is.True);
        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False, "Ctrl+C stops the host; the service does not stop it again");
    }
}
