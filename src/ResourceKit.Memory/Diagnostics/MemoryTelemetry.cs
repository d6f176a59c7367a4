using System.Diagnostics.Metrics;

namespace ResourceKit.Memory.Diagnostics;

/// <summary>Names of the meter and instruments published by ResourceKit.Memory.</summary>
public static class MemoryTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> every ResourceKit.Memory component publishes on.</summary>
    public const string MeterName = "ResourceKit.Memory";

    /// <summary>Creates the package meter from <paramref name="meterFactory"/> when given, else a new meter.</summary>
    /// <remarks>Meters from a factory are owned (and disposed) by the factory; the caller disposes the others.</remarks>
    internal static Meter CreateMeter(IMeterFactory? meterFactory) =>
        meterFactory?.Create(MeterName) ?? new Meter(MeterName);

    /// <summary>Disposes <paramref name="meter"/> when it was not created by a factory.</summary>
    internal static void ReleaseMeter(Meter meter, IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            meter.Dispose();
        }
    }
}
