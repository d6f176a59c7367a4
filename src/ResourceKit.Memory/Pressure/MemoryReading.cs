namespace ResourceKit.Memory.Pressure;

/// <summary>One sample of memory use against the limit it is judged by.</summary>
/// <param name="UsedBytes">The bytes in use, as measured by the source.</param>
/// <param name="LimitBytes">The bytes available in total (the denominator of <see cref="Ratio"/>).</param>
public readonly record struct MemoryReading(long UsedBytes, long LimitBytes)
{
    /// <summary>Gets <see cref="UsedBytes"/> ÷ <see cref="LimitBytes"/>, clamped to 0–1; 0 when the limit is unknown.</summary>
    public double Ratio => LimitBytes <= 0 ? 0d : Math.Clamp((double)UsedBytes / LimitBytes, 0d, 1d);
}
