namespace ResourceKit.Memory.Pressure;

/// <summary>How close the process is to its memory limit.</summary>
public enum MemoryPressureLevel
{
    /// <summary>Below the warning ratio: nothing to do.</summary>
    Normal = 0,

    /// <summary>At or above the warning ratio (70 % by default): worth watching, no reclamation yet.</summary>
    Warning = 1,

    /// <summary>At or above the critical ratio (85 % by default): reclaimers trim about a quarter and a gen-1 collection runs.</summary>
    Critical = 2,

    /// <summary>At or above the emergency ratio (95 % by default): reclaimers trim about half and a full compacting collection runs.</summary>
    Emergency = 3,
}
