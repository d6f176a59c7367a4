using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.GarbageCollection;

/// <summary>Options for <see cref="GcTuner"/>.</summary>
public sealed class GcTunerOptions
{
    /// <summary>The default GC-overhead window (1 minute).</summary>
    public static readonly TimeSpan DefaultOverheadWindow = TimeSpan.FromMinutes(1);

    /// <summary>The default sampling interval for GC overhead and adaptive decisions (5 s).</summary>
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromSeconds(5);

    /// <summary>The default least time between two adaptive switches (30 s).</summary>
    public static readonly TimeSpan DefaultAdaptiveMinimumDwell = TimeSpan.FromSeconds(30);

    /// <summary>The default largest no-GC region budget (16 MB).</summary>
    public const long DefaultMaxNoGcRegionBytes = 16L * 1024 * 1024;

    /// <summary>The default CPU ratio above which the adaptive mode switches to <see cref="GcProfile.PeakLoad"/> (0.70, the seed's <c>load_cpu_threshold</c>).</summary>
    public const double DefaultPeakCpuThreshold = 0.70;

    /// <summary>The default GC-overhead target (0.01: the seed's "GC overhead &lt; 1 %").</summary>
    public const double DefaultOverheadTarget = 0.01;

    /// <summary>The default GC-overhead maximum (0.03: the seed's 3 % maximum).</summary>
    public const double DefaultOverheadMaximum = 0.03;

    /// <summary>Gets or sets the profile applied at start, and the one adaptive mode returns to when load and pressure are normal.</summary>
    /// <value>The default value is <see cref="GcProfile.Default"/> (change nothing).</value>
    [EnumDataType(typeof(GcProfile), ErrorMessage = "Profile must be Default, Continuous, HighMemory, LowMemory or PeakLoad.")]
    public GcProfile Profile { get; set; } = GcProfile.Default;

    /// <summary>Gets or sets a value indicating whether the tuner switches profile from CPU and memory-pressure readings.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Adaptive { get; set; }

    /// <summary>Gets or sets the CPU ratio (0–1, all cores) above which adaptive mode chooses <see cref="GcProfile.PeakLoad"/>.</summary>
    /// <value>The default value is 0.70.</value>
    [Range(0.01, 1.0, ErrorMessage = "PeakCpuThreshold must be between 0.01 and 1.")]
    public double PeakCpuThreshold { get; set; } = DefaultPeakCpuThreshold;

    /// <summary>Gets or sets the least time between two adaptive switches; a switch to <see cref="GcProfile.LowMemory"/> is never delayed.</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "AdaptiveMinimumDwell must be between 0 and 1 day.")]
    public TimeSpan AdaptiveMinimumDwell { get; set; } = DefaultAdaptiveMinimumDwell;

    /// <summary>Gets or sets how often GC overhead is sampled and adaptive decisions are made.</summary>
    /// <value>The default value is 5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "SampleInterval must be between 10 ms and 1 day.")]
    public TimeSpan SampleInterval { get; set; } = DefaultSampleInterval;

    /// <summary>Gets or sets the sliding window GC overhead is measured over.</summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "OverheadWindow must be between 10 ms and 1 day.")]
    public TimeSpan OverheadWindow { get; set; } = DefaultOverheadWindow;

    /// <summary>
    /// Gets or sets the GC overhead (0–1, over <see cref="OverheadWindow"/>) the host should stay under. Once a whole
    /// window has been measured, going above it logs a warning (once, until it is back under).
    /// </summary>
    /// <value>The default value is 0.01 (1 %).</value>
    [Range(0.0001, 1.0, ErrorMessage = "OverheadTarget must be between 0.0001 and 1.")]
    public double OverheadTarget { get; set; } = DefaultOverheadTarget;

    /// <summary>
    /// Gets or sets the most GC overhead (0–1, over <see cref="OverheadWindow"/>) that is acceptable. Above it the tuner
    /// logs a warning (once, until it is back under) and <c>MemoryPressureHealthCheck</c> reports at least Degraded.
    /// </summary>
    /// <value>The default value is 0.03 (3 %).</value>
    [Range(0.0001, 1.0, ErrorMessage = "OverheadMaximum must be between 0.0001 and 1.")]
    public double OverheadMaximum { get; set; } = DefaultOverheadMaximum;

    /// <summary>Gets or sets the largest allocation budget <see cref="GcTuner.TryEnterNoGcRegion"/> accepts.</summary>
    /// <value>The default value is 16 MB.</value>
    [Range(1L, long.MaxValue, ErrorMessage = "MaxNoGcRegionBytes must be at least 1.")]
    public long MaxNoGcRegionBytes { get; set; } = DefaultMaxNoGcRegionBytes;

    /// <summary>Gets or sets a GC heap hard limit applied (with <c>GC.RefreshMemoryLimit</c>) while <see cref="GcProfile.LowMemory"/> is active; 0 leaves the limit alone.</summary>
    /// <value>The default value is 0.</value>
    [Range(0L, long.MaxValue, ErrorMessage = "LowMemoryHeapHardLimitBytes must not be negative.")]
    public long LowMemoryHeapHardLimitBytes { get; set; }

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = OptionsErrors.FromAnnotations(this);
        if (OverheadWindow < SampleInterval)
        {
            errors.Add($"OverheadWindow ({OverheadWindow}) must not be shorter than SampleInterval ({SampleInterval}).");
        }

        if (OverheadMaximum < OverheadTarget)
        {
            errors.Add($"OverheadMaximum ({OverheadMaximum}) must not be below OverheadTarget ({OverheadTarget}).");
        }

        return errors;
    }

    /// <summary>Copies these options, so a tuner is not changed (unvalidated) by later edits to the caller's instance.</summary>
    internal GcTunerOptions Clone() => (GcTunerOptions)MemberwiseClone();
}
