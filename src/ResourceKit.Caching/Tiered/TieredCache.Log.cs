using Microsoft.Extensions.Logging;

namespace ResourceKit.Caching;

/// <summary>The tiered cache's source-generated log messages.</summary>
public sealed partial class TieredCache
{
    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "The factory for {Key} failed; returning the stale cached value (fail-safe).")]
    private static partial void LogFailSafe(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "Backplane reconnected; dropped {Count} L1 entries that may have missed invalidations.")]
    private static partial void LogResync(ILogger logger, int count);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "Cached value for {Key} in tier {Tier} could not be read; it was removed.")]
    private static partial void LogUnreadable(ILogger logger, string key, string tier, Exception exception);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "The L2 store failed on {Key}; continuing without it.")]
    private static partial void LogDiskFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "The value for {Key} could not be serialized; it is kept in L1 only and not written to L2 or L3.")]
    private static partial void LogSerializeFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 5306, Level = LogLevel.Warning, Message = "The disk cache folder is in use by another process or cache instance; this cache runs without its L2 tier. Give each process its own Disk.Directory to use one.")]
    internal static partial void LogDiskFolderInUse(ILogger logger, Exception exception);
}
