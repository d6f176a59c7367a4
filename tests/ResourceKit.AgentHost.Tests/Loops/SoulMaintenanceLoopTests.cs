using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class SoulMaintenanceLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-soul-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_ColdCache_LoadsThePersonaAndThePreferences()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var cache = host.Services.GetRequiredService<TieredCache>();

        await host.Services.GetRequiredService<SoulMaintenanceLoop>().ExecuteAsync(CancellationToken.None);

        Assert.That((await Persona(cache)).Value, Is.EqualTo(new SoulMaintenanceLoop.Persona("Ava", "concise, warm, proactive", SampleHost.Start)));
        var preferences = await cache.TryGetAsync<SoulMaintenanceLoop.Preferences>("user:preferences", CachePolicyNames.UserPreferences);
        Assert.That(preferences.Value, Is.EqualTo(new SoulMaintenanceLoop.Preferences("en-US", "Europe/Berlin", 22, 7)));
    }

    [Test]
    public async Task ExecuteAsync_PersonaYoungerThanThirtyMinutes_KeepsTheCachedOne()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var loop = host.Services.GetRequiredService<SoulMaintenanceLoop>();
        await loop.ExecuteAsync(CancellationToken.None);

        host.Time.Advance(TimeSpan.FromMinutes(30));
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That((await Persona(host.Services.GetRequiredService<TieredCache>())).Value.LoadedAt, Is.EqualTo(SampleHost.Start));
    }

    [Test]
    public async Task ExecuteAsync_PersonaOlderThanThirtyMinutes_ReloadsItAtOnce()
    {
        // Before: the stale persona was removed and the cache held none until the next tick, a minute later.
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var loop = host.Services.GetRequiredService<SoulMaintenanceLoop>();
        await loop.ExecuteAsync(CancellationToken.None);

        host.Time.Advance(TimeSpan.FromMinutes(31));
        await loop.ExecuteAsync(CancellationToken.None);

        var persona = await Persona(host.Services.GetRequiredService<TieredCache>());
        Assert.That(persona.HasValue, Is.True);
        Assert.That(persona.Value.LoadedAt, Is.EqualTo(SampleHost.Start.AddMinutes(31)));
    }

    private static ValueTask<CacheResult<SoulMaintenanceLoop.Persona>> Persona(TieredCache cache) =>
        cache.TryGetAsync<SoulMaintenanceLoop.Persona>("agent:persona", CachePolicyNames.SystemConfiguration);
}
