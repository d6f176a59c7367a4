using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Health;

/// <summary>Maps pressure levels to health statuses for <see cref="MemoryPressureHealthCheck"/>.</summary>
public sealed class MemoryHealthOptions
{
    /// <summary>Gets or sets the level from which the check reports Degraded.</summary>
    /// <value>The default value is <see cref="MemoryPressureLevel.Warning"/>.</value>
    public MemoryPressureLevel DegradedLevel { get; set; } = MemoryPressureLevel.Warning;

    /// <summary>Gets or sets the level from which the check reports Unhealthy.</summary>
    /// <value>The default value is <see cref="MemoryPressureLevel.Critical"/>.</value>
    public MemoryPressureLevel UnhealthyLevel { get; set; } = MemoryPressureLevel.Critical;

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(DegradedLevel) || !Enum.IsDefined(UnhealthyLevel))
        {
            errors.Add("DegradedLevel and UnhealthyLevel must be pressure levels (Normal, Warning, Critical, Emergency).");
        }
        else if (UnhealthyLevel < DegradedLevel)
        {
            errors.Add($"UnhealthyLevel ({UnhealthyLevel}) must not be below DegradedLevel ({DegradedLevel}).");
        }

        return errors;
    }
}
