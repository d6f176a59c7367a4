using ResourceKit.Caching;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// soul_maintenance (Critical, 60 s): keeps the agent's persona and the user's preferences warm in the cache, and
/// reloads the persona once it is more than 30 minutes old.
/// </summary>
internal sealed class SoulMaintenanceLoop(TieredCache cache, TimeProvider time) : IAgentLoop
{
    private static readonly TimeSpan PersonaMaxAge = TimeSpan.FromMinutes(30);

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var persona = await cache.GetOrCreateAsync("agent:persona", _ => ValueTask.FromResult(LoadPersona()), CachePolicyNames.SystemConfiguration, cancellationToken);
        await cache.GetOrCreateAsync(
            "user:preferences",
            _ => ValueTask.FromResult(new Preferences("en-US", "Europe/Berlin", QuietHoursStart: 22, QuietHoursEnd: 7)),
            CachePolicyNames.UserPreferences,
            cancellationToken);
        if (time.GetUtcNow() - persona.LoadedAt > PersonaMaxAge)
        {
            // Replaced, not removed: removing it left the persona out of the cache until the next tick, a minute later.
            await cache.SetAsync("agent:persona", LoadPersona(), CachePolicyNames.SystemConfiguration, cancellationToken);
        }
    }

    private Persona LoadPersona() => new("Ava", "concise, warm, proactive", time.GetUtcNow());

    internal sealed record Persona(string Name, string Style, DateTimeOffset LoadedAt);

    internal sealed record Preferences(string Locale, string TimeZone, int QuietHoursStart, int QuietHoursEnd);
}
