using System.Runtime;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>A garbage collector that only records: tests must not change the test process's GC settings or block it.</summary>
internal sealed class RecordingCollector : IGarbageCollector
{
    private long _pauseTicks;

    public GCLatencyMode LatencyMode { get; set; } = GCLatencyMode.Interactive;

    public GCLargeObjectHeapCompactionMode LargeObjectHeapCompactionMode { get; set; } = GCLargeObjectHeapCompactionMode.Default;

    public int Collections { get; private set; }

    /// <summary>Adds to the total GC pause time the collector reports.</summary>
    public void Pause(TimeSpan pause) => Interlocked.Add(ref _pauseTicks, pause.Ticks);

    public void Collect(int generation, bool compacting) => Collections++;

    public bool TryStartNoGcRegion(long totalSizeBytes) => false;

    public bool EndNoGcRegion() => false;

    public TimeSpan GetTotalPauseDuration() => TimeSpan.FromTicks(Interlocked.Read(ref _pauseTicks));

    public long? GetHeapHardLimit() => null;

    public void RefreshHeapHardLimit(long? limitBytes)
    {
    }
}
