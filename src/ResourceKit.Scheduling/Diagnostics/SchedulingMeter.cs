using System.Diagnostics.Metrics;

namespace ResourceKit.Scheduling;

/// <summary>Creates the package's <see cref="Meter"/> from a factory when given, else owns one.</summary>
internal static class SchedulingMeter
{
    public const string Name = "ResourceKit.Scheduling";

    public static Meter Create(IMeterFactory? factory, out bool owned)
    {
        owned = factory is null;
        return factory?.Create(new MeterOptions(Name)) ?? new Meter(Name);
    }

    public static KeyValuePair<string, object?> PriorityTag(WorkPriority priority) => new("priority", PriorityNames[(int)priority]);

    private static readonly string[] PriorityNames = ["critical", "high", "normal", "low", "background"];
}
