using System.Runtime;

namespace ResourceKit.Memory.Reclamation;

/// <summary>
/// The garbage-collector operations ResourceKit.Memory uses, behind an interface so tests can observe them
/// without collecting or changing process-wide GC settings. <see cref="RuntimeGarbageCollector"/> is the real one.
/// </summary>
public interface IGarbageCollector
{
    /// <summary>Gets or sets the GC latency mode (<see cref="GCSettings.LatencyMode"/>).</summary>
    GCLatencyMode LatencyMode { get; set; }

    /// <summary>Gets or sets the large-object-heap compaction mode (<see cref="GCSettings.LargeObjectHeapCompactionMode"/>).</summary>
    GCLargeObjectHeapCompactionMode LargeObjectHeapCompactionMode { get; set; }

    /// <summary>Runs a blocking collection of <paramref name="generation"/>.</summary>
    /// <param name="generation">0, 1 or 2. Generation 2 is a full collection.</param>
    /// <param name="compacting">Whether the collection compacts (and, for generation 2, also compacts the large-object heap once).</param>
    void Collect(int generation, bool compacting);

    /// <summary>Tries to start a region in which no collection happens (<see cref="GC.TryStartNoGCRegion(long)"/>).</summary>
    /// <param name="totalSizeBytes">The allocation budget of the region.</param>
    /// <returns><see langword="true"/> when the region started.</returns>
    bool TryStartNoGcRegion(long totalSizeBytes);

    /// <summary>Ends the current no-GC region, if one is still active.</summary>
    /// <returns><see langword="true"/> when a region was active and ended; <see langword="false"/> when the runtime had already ended it.</returns>
    bool EndNoGcRegion();

    /// <summary>Gets the total time the process has spent paused in collections (<see cref="GC.GetTotalPauseDuration"/>).</summary>
    /// <returns>The accumulated pause time.</returns>
    TimeSpan GetTotalPauseDuration();

    /// <summary>Gets the configured GC heap hard limit, or <see langword="null"/> when none is set.</summary>
    /// <returns>The limit in bytes.</returns>
    long? GetHeapHardLimit();

    /// <summary>Sets (or clears, with <see langword="null"/>) the heap hard limit and applies it with <see cref="GC.RefreshMemoryLimit"/>.</summary>
    /// <param name="limitBytes">The new limit in bytes.</param>
    /// <exception cref="InvalidOperationException">The runtime refused the limit (for example, it is below the memory already committed); the previous limit stays in force.</exception>
    void RefreshHeapHardLimit(long? limitBytes);
}
