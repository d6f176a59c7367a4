namespace ResourceKit.Memory.Pressure;

/// <summary>
/// The default <see cref="IMemorySource"/>: reads <see cref="GC.GetGCMemoryInfo()"/> and the process working set.
/// </summary>
/// <remarks>
/// The limit is <paramref name="limitBytes"/> when it is positive, otherwise
/// <c>GCMemoryInfo.TotalAvailableMemoryBytes</c>, which is cgroup-aware: inside a container it is the container's
/// memory limit (or <c>GCHeapHardLimit</c> when one is set), outside it is the machine's physical memory.
/// GC figures are as of the last collection; <see cref="MemoryMeasure.ProcessWorkingSet"/> is read live.
/// </remarks>
/// <param name="measure">Which figure counts as used memory.</param>
/// <param name="limitBytes">A fixed limit in bytes, or 0 to use <c>TotalAvailableMemoryBytes</c>.</param>
public sealed class GcMemorySource(MemoryMeasure measure = MemoryMeasure.MemoryLoad, long limitBytes = 0) : IMemorySource
{
    /// <inheritdoc />
    public MemoryReading Read()
    {
        var info = GC.GetGCMemoryInfo();
        long used = measure switch
        {
            MemoryMeasure.ProcessWorkingSet => Environment.WorkingSet,
            MemoryMeasure.ManagedHeapCommitted => info.TotalCommittedBytes,
            _ => info.MemoryLoadBytes,
        };
        long limit = limitBytes > 0 ? limitBytes : info.TotalAvailableMemoryBytes;
        return new MemoryReading(used, limit);
    }
}
