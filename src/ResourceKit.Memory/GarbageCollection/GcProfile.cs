namespace ResourceKit.Memory.GarbageCollection;

/// <summary>
/// The seed's GC tuning scenarios, mapped to the settings .NET lets a process change at run time (generation
/// budgets are self-tuning in .NET and cannot be set while running, unlike Python's thresholds).
/// </summary>
public enum GcProfile
{
    /// <summary>The settings the process had when the tuner was created.</summary>
    Default = 0,

    /// <summary>24/7 operation: <c>Interactive</c> (concurrent background gen-2 collections, no long pauses), and the large-object heap compacted once when applied so fragmentation does not grow over days.</summary>
    Continuous = 1,

    /// <summary>Plenty of memory: <c>SustainedLowLatency</c>, trading memory for fewer blocking gen-2 collections.</summary>
    HighMemory = 2,

    /// <summary>Little memory: <c>Interactive</c>, the large-object heap compacted once when applied, and <see cref="GcTunerOptions.LowMemoryHeapHardLimitBytes"/> applied with <c>GC.RefreshMemoryLimit</c> when set.</summary>
    LowMemory = 3,

    /// <summary>Peak load (the seed's "pause GC entirely"): <c>SustainedLowLatency</c>; wrap short critical sections in <see cref="GcTuner.TryEnterNoGcRegion"/>.</summary>
    PeakLoad = 4,
}
