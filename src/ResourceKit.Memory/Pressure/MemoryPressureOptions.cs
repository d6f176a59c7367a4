using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.Pressure;

/// <summary>Options for <see cref="MemoryPressureMonitor"/>.</summary>
public sealed class MemoryPressureOptions
{
    /// <summary>The default sampling interval (10 s, the seed's <c>MONITOR_INTERVAL</c>).</summary>
    public static readonly TimeSpan DefaultSamplingInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default time between repeated reclamations while pressure stays high.</summary>
    public static readonly TimeSpan DefaultReclamationCooldown = TimeSpan.FromSeconds(30);

    /// <summary>The default warning ratio.</summary>
    public const double DefaultWarningRatio = 0.70;

    /// <summary>The default critical ratio.</summary>
    public const double DefaultCriticalRatio = 0.85;

    /// <summary>The default emergency ratio.</summary>
    public const double DefaultEmergencyRatio = 0.95;

    /// <summary>The default hysteresis band.</summary>
    public const double DefaultHysteresis = 0.05;

    /// <summary>The default share reclaimers are asked to trim at <see cref="MemoryPressureLevel.Critical"/>.</summary>
    public const double DefaultCriticalTrimFraction = 0.25;

    /// <summary>The default share reclaimers are asked to trim at <see cref="MemoryPressureLevel.Emergency"/>.</summary>
    public const double DefaultEmergencyTrimFraction = 0.50;

    /// <summary>Gets or sets how often memory is sampled.</summary>
    /// <value>The default value is 10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "SamplingInterval must be between 10 ms and 1 day.")]
    public TimeSpan SamplingInterval { get; set; } = DefaultSamplingInterval;

    /// <summary>Gets or sets the ratio of used to available memory at which the level becomes Warning.</summary>
    /// <value>The default value is 0.70.</value>
    [Range(0.01, 1.0, ErrorMessage = "WarningRatio must be between 0.01 and 1.")]
    public double WarningRatio { get; set; } = DefaultWarningRatio;

    /// <summary>Gets or sets the ratio at which the level becomes Critical.</summary>
    /// <value>The default value is 0.85.</value>
    [Range(0.01, 1.0, ErrorMessage = "CriticalRatio must be between 0.01 and 1.")]
    public double CriticalRatio { get; set; } = DefaultCriticalRatio;

    /// <summary>Gets or sets the ratio at which the level becomes Emergency.</summary>
    /// <value>The default value is 0.95.</value>
    [Range(0.01, 1.0, ErrorMessage = "EmergencyRatio must be between 0.01 and 1.")]
    public double EmergencyRatio { get; set; } = DefaultEmergencyRatio;

    /// <summary>
    /// Gets or sets how far below a threshold the ratio must fall before the level drops, so a level does not
    /// flap when the ratio hovers at a threshold. Rising is immediate.
    /// </summary>
    /// <value>The default value is 0.05 (five percentage points).</value>
    [Range(0.0, 0.5, ErrorMessage = "Hysteresis must be between 0 and 0.5.")]
    public double Hysteresis { get; set; } = DefaultHysteresis;

    /// <summary>
    /// Gets or sets a fixed memory limit in bytes for the default source; 0 uses
    /// <c>GCMemoryInfo.TotalAvailableMemoryBytes</c> (cgroup-aware). With a fixed limit, measure the process
    /// (<see cref="MemoryMeasure.ProcessWorkingSet"/>) rather than the machine load.
    /// </summary>
    /// <value>The default value is 0.</value>
    [Range(0L, long.MaxValue, ErrorMessage = "LimitBytes must not be negative.")]
    public long LimitBytes { get; set; }

    /// <summary>Gets or sets which figure the default source reports as used memory.</summary>
    /// <value>The default value is <see cref="MemoryMeasure.MemoryLoad"/>.</value>
    public MemoryMeasure Measure { get; set; } = MemoryMeasure.MemoryLoad;

    /// <summary>Gets or sets a value indicating whether the monitor runs reclamation at Critical and Emergency.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ReclaimOnPressure { get; set; } = true;

    /// <summary>Gets or sets the share reclaimers trim at Critical.</summary>
    /// <value>The default value is 0.25.</value>
    [Range(0.0, 1.0, ErrorMessage = "CriticalTrimFraction must be between 0 and 1.")]
    public double CriticalTrimFraction { get; set; } = DefaultCriticalTrimFraction;

    /// <summary>Gets or sets the share reclaimers trim at Emergency.</summary>
    /// <value>The default value is 0.50.</value>
    [Range(0.0, 1.0, ErrorMessage = "EmergencyTrimFraction must be between 0 and 1.")]
    public double EmergencyTrimFraction { get; set; } = DefaultEmergencyTrimFraction;

    /// <summary>
    /// Gets or sets the least time between two reclamations, also when the level dips below Critical in between (so
    /// swinging between Warning and Critical does not reclaim on every swing); a rise above the level last reclaimed
    /// reclaims at once (once a pass still running has ended: passes never overlap).
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "ReclamationCooldown must be between 0 and 1 day.")]
    public TimeSpan ReclamationCooldown { get; set; } = DefaultReclamationCooldown;

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = OptionsErrors.FromAnnotations(this);
        if (!(WarningRatio < CriticalRatio && CriticalRatio < EmergencyRatio))
        {
            errors.Add($"Ratios must rise: WarningRatio ({WarningRatio}) < CriticalRatio ({CriticalRatio}) < EmergencyRatio ({EmergencyRatio}).");
        }

        if (Hysteresis >= WarningRatio)
        {
            errors.Add($"Hysteresis ({Hysteresis}) must be smaller than WarningRatio ({WarningRatio}).");
        }

        if (EmergencyTrimFraction < CriticalTrimFraction)
        {
            errors.Add($"EmergencyTrimFraction ({EmergencyTrimFraction}) must not be below CriticalTrimFraction ({CriticalTrimFraction}).");
        }

        return errors;
    }

    /// <summary>Throws when the options are invalid, listing every problem.</summary>
    /// <param name="paramName">The argument name to report.</param>
    /// <exception cref="ArgumentException">One or more options are invalid.</exception>
    internal void ThrowIfInvalid(string paramName) => OptionsErrors.ThrowIfAny(Validate(), paramName);

    /// <summary>Copies these options, so a monitor is not changed (unvalidated) by later edits to the caller's instance.</summary>
    internal MemoryPressureOptions Clone() => (MemoryPressureOptions)MemberwiseClone();
}
