using Microsoft.Extensions.Logging;

namespace ResourceKit.Cost.Diagnostics;

/// <summary>Source-generated log messages of the cost package.</summary>
internal static partial class CostLog
{
    [LoggerMessage(1, LogLevel.Warning, "Budget denied a request: {Denial}")]
    public static partial void RequestDenied(ILogger logger, string denial);

    [LoggerMessage(2, LogLevel.Warning, "Budget rule '{Rule}' reached {Threshold:P0} of its {Limit} limit in period {Period} (spent {Committed}).")]
    public static partial void ThresholdReached(ILogger logger, string rule, double threshold, decimal limit, string period, decimal committed);

    [LoggerMessage(3, LogLevel.Error, "Budget rule '{Rule}' reached its {Limit} limit in period {Period} (spent {Committed}); action {Action}.")]
    public static partial void LimitReached(ILogger logger, string rule, decimal limit, string period, decimal committed, string action);

    [LoggerMessage(4, LogLevel.Information, "Released {Count} expired budget reservations.")]
    public static partial void ReservationsExpired(ILogger logger, int count);

    [LoggerMessage(5, LogLevel.Error, "Sweeping expired budget reservations failed.")]
    public static partial void ExpirySweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "A budget event handler threw.")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Provider asked to wait {Delay} for {Provider}/{Model} (capped at {Cap}).")]
    public static partial void RetryAfterReceived(ILogger logger, TimeSpan delay, string provider, string model, TimeSpan cap);

    [LoggerMessage(8, LogLevel.Warning, "Retrying a transient provider error (attempt {Attempt}) after {Delay}.")]
    public static partial void Retrying(ILogger logger, Exception? exception, int attempt, TimeSpan delay);

    // Stores that keep spend they cannot write (file, Redis, also through a store that wraps it and hands on its
    // SpendKeptException) do not fail the settle, but a store of the user's may throw after keeping it, so "lost" is
    // not certain here: the message says when it is, with what the store holds unsaved.
    [LoggerMessage(9, LogLevel.Error, "Settling budget reservation {Id} at {Amount} failed (attempt {Attempt} of {MaximumAttempts}). After the last attempt the reservation is abandoned and its hold lapses at its expiry; its spend is then counted only if the spend store kept it to write later (the store holds {UnsavedSpend} unsaved now), else it is lost.")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string id, decimal amount, int attempt, int maximumAttempts, decimal unsavedSpend);

    [LoggerMessage(10, LogLevel.Warning, "Renewing the hold of budget reservation {Id} failed; the next renewal tries again.")]
    public static partial void RenewFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(11, LogLevel.Error, "The hold of budget reservation {Id} expired while its call was running (store unreachable, or the clock jumped forward); the spend is still committed when the call settles.")]
    public static partial void HoldLost(ILogger logger, string id);

    [LoggerMessage(12, LogLevel.Warning, "Releasing budget reservation {Id} after a failed call failed; its hold lapses at its expiry.")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(13, LogLevel.Error, "Spend journal '{Path}': line {LineNumber} cannot be read and is skipped; the journal is kept beside it as .corrupt.")]
    public static partial void JournalLineSkipped(ILogger logger, string path, int lineNumber);

    [LoggerMessage(14, LogLevel.Warning, "Spend journal '{Path}': a torn last line ({Bytes} bytes, a write cut off by a crash) is cut off.")]
    public static partial void JournalTornTail(ILogger logger, string path, int bytes);

    [LoggerMessage(15, LogLevel.Error, "Spend snapshot '{Path}' cannot be read and was moved to '{MovedTo}'; the store starts degraded from the journal alone and does not count the spend the snapshot held.")]
    public static partial void SnapshotUnreadable(ILogger logger, Exception exception, string path, string movedTo);

    [LoggerMessage(17, LogLevel.Error, "Spend journal '{Path}' could not be written; {Amount} stays counted in memory and is saved with the next snapshot that succeeds ({Unsaved} unsaved so far, lost if the process ends first).")]
    public static partial void JournalWriteFailed(ILogger logger, Exception exception, string path, decimal amount, decimal unsaved);

    [LoggerMessage(16, LogLevel.Warning, "A call to model {Model} names no provider and no rate limit lists that model, so no rate limit applies (a provider's '*' limit needs the provider name).")]
    public static partial void NoProviderForRateLimit(ILogger logger, string model);

    [LoggerMessage(18, LogLevel.Error, "Redis could not commit {Amount} of spend ({Id}); it stays in this process and the next store operation that reaches Redis writes it ({Unsaved} unsaved so far, lost if the process ends first).")]
    public static partial void RedisSpendKept(ILogger logger, Exception exception, decimal amount, string id, decimal unsaved);

    [LoggerMessage(20, LogLevel.Error, "Redis could not commit {Amount} of spend ({Id}), and the store already keeps {Kept} entries ({Unsaved} unsaved), its MaxUnsavedEntries: this spend is not kept, and the error reaches the caller.")]
    public static partial void RedisSpendNotKept(ILogger logger, Exception exception, decimal amount, string id, int kept, decimal unsaved);

    [LoggerMessage(21, LogLevel.Error, "Redis may or may not have recorded {Amount} of spend ({Id}): the record was sent but no reply came, and the store already keeps {Kept} entries ({Unsaved} unsaved), its MaxUnsavedEntries, so it cannot keep it to write later. The caller gets SpendOutcomeUnknownException and must not retry.")]
    public static partial void RedisSpendOutcomeUnknown(ILogger logger, Exception exception, decimal amount, string id, int kept, decimal unsaved);

    // Not events 18/20: Redis may be healthy, and an alert on those must not report an outage for a caller that gave up
    // waiting. Warning, not Information: the spend lives only in this process until written (lost if it ends), and a
    // wait happens only while earlier kept spend is being written, so the store is already behind.
    [LoggerMessage(22, LogLevel.Warning, "The caller cancelled before {Amount} of spend ({Id}) was sent to Redis (it was waiting for spend kept earlier to be written); it is kept in this process and the next store operation that reaches Redis writes it ({Unsaved} unsaved so far, lost if the process ends first).")]
    public static partial void RedisSpendKeptOnCancel(ILogger logger, decimal amount, string id, decimal unsaved);

    // Warning, not Error: nothing failed and the caller is told (it gets the OperationCanceledException); what filled
    // the store to its bound was logged as it was kept.
    [LoggerMessage(23, LogLevel.Warning, "The caller cancelled before {Amount} of spend ({Id}) was sent to Redis, and the store already keeps {Kept} entries ({Unsaved} unsaved), its MaxUnsavedEntries: this spend is not kept and nothing was sent; the cancellation reaches the caller.")]
    public static partial void RedisSpendNotKeptOnCancel(ILogger logger, decimal amount, string id, int kept, decimal unsaved);

    [LoggerMessage(19, LogLevel.Information, "Wrote {Amount} of spend ({Id}) kept while Redis could not be reached; {Unsaved} still unsaved.")]
    public static partial void RedisSpendWritten(ILogger logger, decimal amount, string id, decimal unsaved);
}
