using System.Runtime;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.Tests.Fakes;

/// <summary>Records GC calls instead of making them.</summary>
internal sealed class FakeGarbageCollector : IGarbageCollector
{
    public List<(int Generation, bool Compacting)> Collections { get; } = [];

    public GCLatencyMode LatencyMode { get; set; } = GCLatencyMode.Interactive;

    public GCLargeObjectHeapCompactionMode LargeObjectHeapCompactionMode { get; set; } = GCLargeObjectHeapCompactionMode.Default;

    public bool AllowNoGcRegion { get; set; } = true;

    public List<long> NoGcRegionRequests { get; } = [];

    public int NoGcRegionEnds { get; private set; }

    public TimeSpan TotalPause { get; set; }

    public long? HeapHardLimit { get; set; }

    public List<long?> HeapHardLimitRefreshes { get; } = [];

    /// <summary>Gets or sets the committed memory: like the runtime, a heap hard limit below it is refused.</summary>
    public long CommittedBytes { get; set; }

    public Exception? PauseReadFailure { get; set; }

    public void Collect(int generation, bool compacting) => Collections.Add((generation, compacting));

    public bool TryStartNoGcRegion(long totalSizeBytes)
    {
        NoGcRegionRequests.Add(totalSizeBytes);
        if (AllowNoGcRegion)
        {
            LatencyMode = GCLatencyMode.NoGCRegion;
        }

        return AllowNoGcRegion;
    }

    public bool EndNoGcRegion()
    {
        if (LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        NoGcRegionEnds++;
        LatencyMode = GCLatencyMode.Interactive;
        return true;
    }

    public TimeSpan GetTotalPauseDuration() => PauseReadFailure is { } failure ? throw failure : TotalPause;

    public long? GetHeapHardLimit() => HeapHardLimit;

    public void RefreshHeapHardLimit(long? limitBytes)
    {
        if (limitBytes < CommittedBytes)
        {
            throw new InvalidOperationException("The hard limit is too low.");
        }

        HeapHardLimit = limitBytes;
        HeapHardLimitRefreshes.Add(limitBytes);
    }
}
