using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Metrics and log messages.</summary>
public sealed partial class ResourcePool<T>
{
    private IDisposable RegisterInstruments() =>
        SharedObservableInstruments<ResourcePoolStatistics>.Register(_meter, () => Statistics, _poolTag, CreateInstruments);

    private static void CreateInstruments(Meter meter, SharedObservableInstruments<ResourcePoolStatistics> pools)
    {
        meter.CreateObservableGauge("resourcekit.memory.resource_pool.in_use", () => pools.Observe(s => s.InUse), "{resource}", "Resources leased now.");
        meter.CreateObservableGauge("resourcekit.memory.resource_pool.idle", () => pools.Observe(s => s.Idle), "{resource}", "Resources idle in the pool now.");
        meter.CreateObservableGauge("resourcekit.memory.resource_pool.closing", () => pools.Observe(s => s.Closing), "{resource}", "Resources being closed now; each still holds its place under the maximum size.");
        meter.CreateObservableGauge("resourcekit.memory.resource_pool.waiting", () => pools.Observe(s => s.Waiting), "{caller}", "Callers waiting for a resource now.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.acquired", () => pools.Observe(s => s.Acquired), "{lease}", "Leases handed out.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.created", () => pools.Observe(s => s.Created), "{resource}", "Resources opened.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.destroyed", () => pools.Observe(s => s.Destroyed), "{resource}", "Resources closed.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.destroy_timeouts", () => pools.Observe(s => s.DestroyTimeouts), "{resource}", "Resource closes abandoned after the destroy timeout.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.timeouts", () => pools.Observe(s => s.Timeouts), "{timeout}", "Acquires that timed out.");
        meter.CreateObservableCounter("resourcekit.memory.resource_pool.leaks", () => pools.Observe(s => s.LeaksDetected), "{lease}", "Leases held past the leak threshold.");
    }

    private void MemoryTelemetryRelease()
    {
        _instruments.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Pool {Pool}: timed out after {Timeout} waiting for one of {MaxSize} resources.")]
    private static partial void LogAcquireTimedOut(ILogger logger, string pool, TimeSpan timeout, int maxSize);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Pool {Pool}: validation threw; the resource is replaced.")]
    private static partial void LogValidationThrew(ILogger logger, Exception exception, string pool);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Pool {Pool}: a lease has been held for {HeldFor} and may have leaked. Acquired at: {StackTrace}")]
    private static partial void LogLeakDetected(ILogger logger, string pool, TimeSpan heldFor, string stackTrace);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "Pool {Pool}: closing a resource failed.")]
    private static partial void LogDestroyFailed(ILogger logger, Exception exception, string pool);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "Pool {Pool}: opening a resource failed.")]
    private static partial void LogCreateFailed(ILogger logger, Exception exception, string pool);

    [LoggerMessage(EventId = 35, Level = LogLevel.Error, Message = "Pool {Pool}: pruning failed; the next tick tries again.")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception, string pool);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "Pool {Pool}: {Timeout} passed on dispose with leases still out; they are closed when returned.")]
    private static partial void LogDisposeTimedOut(ILogger logger, string pool, TimeSpan timeout);

    [LoggerMessage(EventId = 38, Level = LogLevel.Warning, Message = "Pool {Pool}: opening a resource took longer than {Timeout}; the attempt was abandoned and keeps its slot until it ends.")]
    private static partial void LogCreateTimedOut(ILogger logger, string pool, TimeSpan timeout);

    [LoggerMessage(EventId = 39, Level = LogLevel.Warning, Message = "Pool {Pool}: validation took longer than {Timeout}; the resource is replaced.")]
    private static partial void LogValidationTimedOut(ILogger logger, string pool, TimeSpan timeout);

    [LoggerMessage(EventId = 29, Level = LogLevel.Warning, Message = "Pool {Pool}: closing a resource took longer than {Timeout}; the pool stopped waiting for it.")]
    private static partial void LogDestroyTimedOut(ILogger logger, string pool, TimeSpan timeout);

    [LoggerMessage(EventId = 37, Level = LogLevel.Error, Message = "Pool {Pool}: a LeakDetected handler threw.")]
    private static partial void LogLeakHandlerFailed(ILogger logger, Exception exception, string pool);
}
