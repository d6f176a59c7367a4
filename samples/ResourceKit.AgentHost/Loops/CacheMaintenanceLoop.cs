using ResourceKit.Caching.Disk;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>cache_maintenance (Low, 10 min): purges expired entries from the disk tier so dead bytes do not count against its budget.</summary>
internal sealed class CacheMaintenanceLoop(DiskCacheStore disk) : IAgentLoop
{
    public long Purged { get; private set; }

    public ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        Purged += disk.RemoveExpired();
        return ValueTask.CompletedTask;
    }
}
