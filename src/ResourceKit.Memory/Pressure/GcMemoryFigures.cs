namespace ResourceKit.Memory.Pressure;

/// <summary>The <see cref="GCMemoryInfo"/> figures <see cref="GcMemorySource"/> uses, so tests can supply their own.</summary>
internal readonly record struct GcMemoryFigures(long MemoryLoadBytes, long TotalAvailableMemoryBytes, long TotalCommittedBytes)
{
    public static GcMemoryFigures Read()
    {
        var info = GC.GetGCMemoryInfo();
        return new(info.MemoryLoadBytes, info.TotalAvailableMemoryBytes, info.TotalCommittedBytes);
    }
}
