using Microsoft.Extensions.Logging;
using ResourceKit.Agents.Adapters;
using ResourceKit.Caching;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// self_optimization (Background, 30 min): reads what the host measured and turns the knobs. GC overhead above 1 %
/// with little memory pressure moves the GC to the 24/7 profile; memory pressure moves it to the low-memory profile.
/// A hit ratio below 70 % with memory to spare grows the cache's memory tier; memory pressure shrinks it.
/// </summary>
internal sealed partial class SelfOptimizationLoop(GcTuner gc, MemoryPressureMonitor memory, TieredCache cache, ILogger<SelfOptimizationLoop> logger) : IAgentLoop
{
    public int Adjustments { get; private set; }

    public ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var level = memory.Level;
        var target = level >= MemoryPressureLevel.Critical ? GcProfile.LowMemory
            : gc.GcOverhead > 0.01 ? GcProfile.Continuous
            : gc.Profile;
        if (target != gc.Profile)
        {
            LogProfile(logger, gc.Profile, target, gc.GcOverhead * 100);
            gc.ApplyProfile(target);
            Adjustments++;
        }

        var capacity = cache.MemoryCapacity;
        var ratio = CacheMetricSource.HitRatio(cache.Statistics);
        var resized = level >= MemoryPressureLevel.Warning ? capacity * 3 / 4
            : ratio is < 0.7 ? capacity * 5 / 4
            : capacity;
        if (resized != capacity && resized > 0)
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
