using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.Pressure;

/// <summary>A snapshot of <see cref="MemoryPressureMonitor"/>'s state.</summary>
/// <param name="Level">The current level.</param>
/// <param name="Reading">The last reading.</param>
/// <param name="Samples">Samples taken.</param>
/// <param name="SampleFailures">Samples whose source threw.</param>
/// <param name="LevelChanges">Level changes seen.</param>
/// <param name="Reclamations">Reclamation passes the monitor started.</param>
/// <param name="LastReclamation">The report of the last pass, if any.</param>
public readonly record struct MemoryPressureStatistics(
    MemoryPressureLevel Level,
    MemoryReading Reading,
    long Samples,
    long SampleFailures,
    long LevelChanges,
    long Reclamations,
    ReclamationReport? LastReclamation);
