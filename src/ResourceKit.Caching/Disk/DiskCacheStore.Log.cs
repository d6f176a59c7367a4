using Microsoft.Extensions.Logging;

namespace ResourceKit.Caching.Disk;

/// <summary>The disk store's source-generated log messages.</summary>
public sealed partial class DiskCacheStore
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Dropped corrupt or truncated L2 cache record {FileName} ({Length} bytes).")]
    private static partial void LogCorruptRecord(ILogger logger, string fileName, long length);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Could not read L2 cache record {FileName}; it was dropped.")]
    private static partial void LogReadFailed(ILogger logger, string fileName, Exception exception);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Could not write L2 cache record {FileName}; the value stays in the other tiers only.")]
    private static partial void LogWriteFailed(ILogger logger, string fileName, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "The disk is full; evicting L2 cache records (currently {Bytes} bytes) and skipping the write.")]
    private static partial void LogDiskFull(ILogger logger, long bytes);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Skipped an L2 cache record of {Length} bytes: it is larger than the whole budget of {Budget} bytes.")]
    private static partial void LogTooLarge(ILogger logger, long length, long budget);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Debug, Message = "Could not delete L2 cache file {FileName}.")]
    private static partial void LogDeleteFailed(ILogger logger, string fileName, Exception exception);
}
