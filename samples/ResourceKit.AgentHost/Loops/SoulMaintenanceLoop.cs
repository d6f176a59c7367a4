using ResourceKit.Caching;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>soul_maintenance (Critical, 60 s): keeps the agent's persona and the user's preferences warm in the cache.</summary>
internal sealed class SoulMaintenanceLoop(TieredCache cache, TimeProvider time) : IAgentLoop
{
    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var persona = await cache.GetOrCreateAsync(
            "agent:persona",
            _ => ValueTask.FromResult(new Persona("Ava", "concise, warm, proactive", time.GetUtcNow())),
            CachePolicyNames.SystemConfiguration,
            cancellationToken);
        await cache.GetOrCreateAsync(
            "user:preferences",
            _ => ValueTask.FromResult(new Preferences("en-US", "Europe/Berlin", QuietHoursStart: 22, QuietHoursEnd: 7)),
            CachePolicyNames.UserPreferences,
            cancellationToken);
        if (time.GetUtcNow() - persona.LoadedAt > TimeSpan.FromMinutes(30))
        {
            await cache.RemoveAsync("agent:persona", cancellationToken);
        }
    }

    internal sealed record Persona(string Name, string Style, DateTimeOffset LoadedAt);

    internal sealed record Preferences(string Locale, string TimeZone, int QuietHoursStart, int QuietHoursEnd);
}
