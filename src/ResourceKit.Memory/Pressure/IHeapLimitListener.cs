namespace ResourceKit.Memory.Pressure;

/// <summary>
/// A memory source that must know when this process lowers its own GC heap hard limit: the runtime then reports
/// memory load and available memory relative to that limit, so the pressure ratio would jump and keep the limit in
/// force. <see cref="GarbageCollection.GcTuner"/> tells its monitor's source.
/// </summary>
internal interface IHeapLimitListener
{
    /// <summary>Called just before a lower heap hard limit is applied, while the previous limit is still in force.</summary>
    void HeapLimitImposing();

    /// <summary>Called when the limit in force before <see cref="HeapLimitImposing"/> is back (or the new one was refused).</summary>
    void HeapLimitLifted();
}
