namespace ResourceKit.Caching;

/// <summary>Names shared by the instruments of every tier, so dashboards can group them by the <c>tier</c> tag.</summary>
internal static class CacheMeter
{
    public const string Name = "ResourceKit.Caching";
    public const string TierTag = "tier";
    public const string MemoryTier = "l1";
    public const string DiskTier = "l2";
    public const string DistributedTier = "l3";
}
