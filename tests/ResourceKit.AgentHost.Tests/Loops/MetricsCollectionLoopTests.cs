using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class MetricsCollectionLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-metrics-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_SamplesEveryComponentIntoTheHealthMonitor()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var health = host.Services.GetRequiredService<HealthMonitor>();
        host.Time.Advance(TimeSpan.FromMinutes(1));

        await host.Services.GetRequiredService<MetricsCollectionLoop>().ExecuteAsync(CancellationToken.None);

        var latest = health.Latest;
        Assert.That(latest, Is.Not.Null);
        Assert.That(latest!.Timestamp, Is.EqualTo(SampleHost.Start.AddMinutes(1)));
        Assert.That(
            latest.Readings.Select(r => r.Component).Distinct(),
            Is.SupersetOf(new[] { ComponentNames.System, ComponentNames.Loops, ComponentNames.Cache, ComponentNames.Cost }));
    }

    [Test]
    public async Task ExecuteAsync_SpendStoreDown_StillScoresTheOtherComponents()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore { IsDown = true });
        var health = host.Services.GetRequiredService<HealthMonitor>();

        Assert.That(async () => await host.Services.GetRequiredService<MetricsCollectionLoop>().ExecuteAsync(CancellationToken.None), Throws.Nothing);

        var components = health.Latest!.Readings.Select(r => r.Component).Distinct().ToList();
        Assert.That(components, Does.Contain(ComponentNames.Cache).And.Contain(ComponentNames.Loops));
        Assert.That(components, Does.Not.Contain(ComponentNames.Cost), "the cost readings could not be taken");
    }
}
