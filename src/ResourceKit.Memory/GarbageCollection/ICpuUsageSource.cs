namespace ResourceKit.Memory.GarbageCollection;

/// <summary>Reads CPU use for the GC tuner's adaptive mode. Replace it to feed readings in tests or share a sampler.</summary>
public interface ICpuUsageSource
{
    /// <summary>Reads the CPU used since the previous call, as a share of all cores.</summary>
    /// <returns>A ratio between 0 and 1.</returns>
    double ReadCpuRatio();
}
