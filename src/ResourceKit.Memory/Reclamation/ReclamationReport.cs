using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Reclamation;

/// <summary>What one reclamation pass did.</summary>
/// <param name="Level">The pressure level that triggered it.</param>
/// <param name="Fraction">The share each reclaimer was asked to trim.</param>
/// <param name="BytesFreed">The bytes the reclaimers reported freeing.</param>
/// <param name="ReclaimersRun">How many reclaimers were asked.</param>
/// <param name="ReclaimersFailed">How many of them threw.</param>
/// <param name="CollectedGeneration">The generation collected afterwards, or -1 when none was.</param>
public readonly record struct ReclamationReport(
    MemoryPressureLevel Level,
    double Fraction,
    long BytesFreed,
    int ReclaimersRun,
    int ReclaimersFailed,
    int CollectedGeneration);
