namespace ResourceKit.Scheduling;

/// <summary>A point-in-time snapshot of a <see cref="Batcher{T}"/>.</summary>
/// <param name="ItemsAdded">Items accepted since creation.</param>
/// <param name="BatchesFlushed">Batches handed to the flush delegate (successful or not).</param>
/// <param name="SizeTriggeredFlushes">Batches flushed because they reached the size limit.</param>
/// <param name="TimeTriggeredFlushes">Batches flushed because their delay elapsed.</param>
/// <param name="FailedFlushes">Flushes whose delegate threw; their items are not retried.</param>
/// <param name="PendingItems">Items added but not yet flushed.</param>
public readonly record struct BatcherStatistics(
    long ItemsAdded,
    long BatchesFlushed,
    long SizeTriggeredFlushes,
    long TimeTriggeredFlushes,
    long FailedFlushes,
    int PendingItems);
