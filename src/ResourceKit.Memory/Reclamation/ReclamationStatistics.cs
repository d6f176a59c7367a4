namespace ResourceKit.Memory.Reclamation;

/// <summary>Totals of every reclamation pass since <see cref="MemoryReclamation"/> was created.</summary>
/// <param name="Passes">Reclamation passes run.</param>
/// <param name="BytesFreed">Bytes reclaimers reported freeing.</param>
/// <param name="ReclaimerFailures">Calls to a reclaimer that threw.</param>
/// <param name="Collections">Garbage collections induced.</param>
/// <param name="Reclaimers">Reclaimers currently registered.</param>
public readonly record struct ReclamationStatistics(
    long Passes,
    long BytesFreed,
    long ReclaimerFailures,
    long Collections,
    int Reclaimers);
