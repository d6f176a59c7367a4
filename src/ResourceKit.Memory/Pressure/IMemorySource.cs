namespace ResourceKit.Memory.Pressure;

/// <summary>Reads current memory use. Replace it to feed readings in tests or from another source.</summary>
public interface IMemorySource
{
    /// <summary>Reads memory use now.</summary>
    /// <returns>The bytes used and the limit they are measured against.</returns>
    MemoryReading Read();
}
