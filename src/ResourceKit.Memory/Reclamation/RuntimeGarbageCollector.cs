using System.Runtime;

namespace ResourceKit.Memory.Reclamation;

/// <summary>The <see cref="IGarbageCollector"/> that calls the real runtime.</summary>
public sealed class RuntimeGarbageCollector : IGarbageCollector
{
    // AppContext key the runtime reads again on GC.RefreshMemoryLimit().
    private const string HeapHardLimitKey = "GCHeapHardLimit";

    /// <inheritdoc />
    public GCLatencyMode LatencyMode
    {
        get => GCSettings.LatencyMode;
        set => GCSettings.LatencyMode = value;
    }

    /// <inheritdoc />
    public GCLargeObjectHeapCompactionMode LargeObjectHeapCompactionMode
    {
        get => GCSettings.LargeObjectHeapCompactionMode;
        set => GCSettings.LargeObjectHeapCompactionMode = value;
    }

    /// <inheritdoc />
    public void Collect(int generation, bool compacting)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(generation, GC.MaxGeneration);
        if (generation == GC.MaxGeneration && compacting)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        }

        GC.Collect(generation, GCCollectionMode.Forced, blocking: true, compacting: compacting);
    }

    /// <inheritdoc />
    public bool TryStartNoGcRegion(long totalSizeBytes)
    {
        try
        {
            return GC.TryStartNoGCRegion(totalSizeBytes);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentOutOfRangeException)
        {
            // Already in a region, or the budget is larger than the runtime allows: no region, not an error.
            return false;
        }
    }

    /// <inheritdoc />
    public bool EndNoGcRegion()
    {
        if (GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        try
        {
            GC.EndNoGCRegion();
            return true;
        }
        catch (InvalidOperationException)
        {
            // The runtime ends the region itself when the budget is exceeded or a collection was induced.
            return false;
        }
    }

    /// <inheritdoc />
    public TimeSpan GetTotalPauseDuration() => GC.GetTotalPauseDuration();

    /// <inheritdoc />
    public long? GetHeapHardLimit() => AppContext.GetData(HeapHardLimitKey) switch
    {
        ulong u => (long)u,
        long l => l,
        string s when long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    /// <inheritdoc />
    public void RefreshHeapHardLimit(long? limitBytes)
    {
        var previous = AppContext.GetData(HeapHardLimitKey);
        AppContext.SetData(HeapHardLimitKey, limitBytes is { } l ? (ulong)l : null);
        try
        {
            GC.RefreshMemoryLimit();
        }
        catch (InvalidOperationException)
        {
            // The runtime refuses a limit below the memory already committed and keeps the old one; put the setting
            // back so it still describes the limit in force (and a later refresh does not pick up the refused value).
            AppContext.SetData(HeapHardLimitKey, previous);
            throw;
        }
    }
}
