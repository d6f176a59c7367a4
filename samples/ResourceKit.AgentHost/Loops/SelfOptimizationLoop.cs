using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResourceKit.Agents.Adapters;
using ResourceKit.Caching;
using ResourceKit.Memory.DependencyInjection;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// self_optimization (Background, 30 min): reads what the host measured and turns the knobs. GC overhead above 1 %
/// with little memory pressure moves the GC to the 24/7 profile; memory pressure moves it to the low-memory profile,
/// and once pressure is gone it returns to the configured profile. A hit ratio below 70 % since the last run, with
/// memory to spare, grows the cache's memory tier by a quarter; memory pressure shrinks it by a quarter. The tier stays
/// between a quarter of and four times its configured size.
/// </summary>
internal sealed partial class SelfOptimizationLoop(
    GcTuner gc,
    MemoryPressureMonitor memory,
    TieredCache cache,
    IOptions<ResourceKitMemoryOptions> memoryOptions,
    ILogger<SelfOptimizationLoop> logger) : IAgentLoop
{
    private const int CapacityRange = 4;
    private readonly GcProfile _configuredProfile = memoryOptions.Value.GcTuning.Profile;
    private readonly long _minCapacity = Math.Max(1, cache.MemoryCapacity / CapacityRange);
    private readonly long _maxCapacity = cache.MemoryCapacity * CapacityRange;

    // The ratio is judged over the last period, not since start: after days of running, the lifetime ratio hardly
    // moves, and a low one kept growing the tier every run whatever the cache did now.
    private TieredCacheStatistics _lastStatistics = cache.Statistics;

    public int Adjustments { get; private set; }

    public ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var level = memory.Level;
        var target = level >= MemoryPressureLevel.Critical ? GcProfile.LowMemory
            : gc.GcOverhead > 0.01 ? GcProfile.Continuous
            : level == MemoryPressureLevel.Normal && gc.Profile == GcProfile.LowMemory ? _configuredProfile
            : gc.Profile;
        if (target != gc.Profile)
        {
            LogProfile(logger, gc.Profile, target, gc.GcOverhead * 100);
            gc.ApplyProfile(target);
            Adjustments++;
        }

        var statistics = cache.Statistics;
        var ratio = CacheMetricSource.HitRatio(statistics with
        {
            MemoryHits = statistics.MemoryHits - _lastStatistics.MemoryHits,
            DiskHits = statistics.DiskHits - _lastStatistics.DiskHits,
            DistributedHits = statistics.DistributedHits - _lastStatistics.DistributedHits,
            Misses = statistics.Misses - _lastStatistics.Misses,
        });
        _lastStatistics = statistics;

        // Unbounded, a hit ratio that stays low (many lookups are writes-then-reads by design) grew the tier by a
        // quarter every half hour: 10,000 entries became millions within a day.
        var capacity = cache.MemoryCapacity;
        var resized = level >= MemoryPressureLevel.Warning ? (capacity > _minCapacity ? Math.Max(capacity * 3 / 4, _minCapacity) : capacity)
            : ratio is < 0.7 ? (capacity < _maxCapacity ? Math.Min(capacity * 5 / 4, _maxCapacity) : capacity)
            : capacity;
        if (resized != capacity)
        {
            LogCache(logger, capacity, resized, ratio ?? 0);
            cache.ResizeMemory(resized);
            Adjustments++;
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Self-optimization: GC profile {From} -> {To} (GC overhead {Overhead:0.00} %).")]
    private static partial void LogProfile(ILogger logger, GcProfile from, GcProfile to, double overhead);

    [LoggerMessage(2, LogLevel.Information, "Self-optimization: cache memory tier {From} -> {To} entries (hit ratio {Ratio:P0}).")]
    private static partial void LogCache(ILogger logger, long from, long to, double ratio);
}
