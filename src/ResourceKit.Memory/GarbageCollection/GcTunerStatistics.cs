namespace ResourceKit.Memory.GarbageCollection;

/// <summary>A snapshot of <see cref="GcTuner"/>.</summary>
/// <param name="Profile">The active profile.</param>
/// <param name="GcOverhead">GC pause time ÷ elapsed time over the sliding window, 0–1.</param>
/// <param name="CpuRatio">The last CPU reading used by adaptive mode, 0–1.</param>
/// <param name="ProfileChanges">Profile switches made.</param>
/// <param name="NoGcRegionsEntered">No-GC regions started.</param>
/// <param name="NoGcRegionsRefused">No-GC region requests the runtime refused.</param>
/// <param name="OverheadAboveTarget">Whether <paramref name="GcOverhead"/>, over a whole window, is above <see cref="GcTunerOptions.OverheadTarget"/>.</param>
/// <param name="OverheadAboveMaximum">Whether <paramref name="GcOverhead"/>, over a whole window, is above <see cref="GcTunerOptions.OverheadMaximum"/>.</param>
public readonly record struct GcTunerStatistics(
    GcProfile Profile,
    double GcOverhead,
    double CpuRatio,
    long ProfileChanges,
    long NoGcRegionsEntered,
    long NoGcRegionsRefused,
    bool OverheadAboveTarget = false,
    bool OverheadAboveMaximum = false);
