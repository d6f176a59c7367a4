using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Metrics and log messages.</summary>
public sealed partial class ResourcePool<T>
{
    private void CreateInstruments()
    {
        _meter.CreateObservableGauge("resourcekit.memory.resource_pool.in_use", () => new Measurement<int>(Statistics.InUse, _poolTag), "{resource}", "Resources leased now.");
        _meter.CreateObservableGauge("resourcekit.memory.resource_pool.idle", () => new Measurement<int>(Statistics.Idle, _poolTag), "{resource}", "Resources idle in the pool now.");
        _meter.CreateObservableGauge("resourcekit.memory.resource_pool.waiting", () => new Measurement<int>(Statistics.Waiting, _poolTag), "{caller}", "Callers waiting for a resource now.");
        _meter.CreateObservableCounter("resourcekit.memory.resource_pool.acquired", () => new Measurement<long>(Statistics.Acquired, _poolTag), "{lease}", "Leases handed out.");
        _meter.CreateObservableCounter("resourcekit.memory.resource_pool.created", () => new Measurement<long>(Statistics.Created, _poolTag), "{resource}", "Resources opened.");
        _meter.CreateObservableCounter("resourcekit.memory.resource_pool.destroyed", () => new Measurement<long>(Statistics.Destroyed, _poolTag), "{resource}", "Resources closed.");
        _meter.CreateObservableCounter("resourcekit.memory.resource_pool.timeouts", () => new Measurement<long>(Statistics.Timeouts, _poolTag), "{timeout}", "Acquires that timed out.");
        _meter.CreateObservableCounter("resourcekit.memory.resource_pool.leaks", () => new Measurement<long>(Statistics.LeaksDetected, _poolTag), "{lease}", "Leases held past the leak threshold.");
    }

    private void MemoryTelemetryRelease() => Diagnostics.MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);

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

    [LoggerMessage(EventId = 37, Level = LogLevel.Error, Message = "Pool {Pool}: a LeakDetected handler threw.")]
    private static partial void LogLeakHandlerFailed(ILogger logger, Exception exception, string pool);
}
