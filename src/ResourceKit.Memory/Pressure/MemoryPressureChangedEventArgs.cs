namespace ResourceKit.Memory.Pressure;

/// <summary>Describes a change of <see cref="MemoryPressureMonitor.Level"/>.</summary>
/// <param name="previous">The level before the change.</param>
/// <param name="current">The level after the change.</param>
/// <param name="reading">The reading that caused the change.</param>
public sealed class MemoryPressureChangedEventArgs(MemoryPressureLevel previous, MemoryPressureLevel current, MemoryReading reading) : EventArgs
{
    /// <summary>Gets the level before the change.</summary>
    public MemoryPressureLevel Previous { get; } = previous;

    /// <summary>Gets the level after the change.</summary>
    public MemoryPressureLevel Current { get; } = current;

    /// <summary>Gets the reading that caused the change.</summary>
    public MemoryReading Reading { get; } = reading;
}
