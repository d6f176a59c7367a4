namespace ResourceKit.Memory.Pressure;

/// <summary>Which figure <see cref="GcMemorySource"/> reports as the bytes in use.</summary>
public enum MemoryMeasure
{
    /// <summary>
    /// The memory load the GC saw at its last collection (<c>GCMemoryInfo.MemoryLoadBytes</c>): machine-wide,
    /// or container-wide when the process runs under a cgroup limit. Matches the seed's "system percent".
    /// </summary>
    MemoryLoad = 0,

    /// <summary>The process working set (<see cref="Environment.WorkingSet"/>), read at each sample.</summary>
    ProcessWorkingSet = 1,

    /// <summary>The bytes the GC has committed for the managed heap (<c>GCMemoryInfo.TotalCommittedBytes</c>).</summary>
    ManagedHeapCommitted = 2,
}
