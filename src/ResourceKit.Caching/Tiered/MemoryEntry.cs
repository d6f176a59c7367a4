namespace ResourceKit.Caching;

/// <summary>
/// What L1 holds for a key: the live object (never serialized), when it stops being fresh, and whether its
/// policy shares it through the distributed tier (such entries are dropped when backplane messages may have been lost).
/// </summary>
internal sealed class MemoryEntry(object? value, long logicalExpiresUnixMs, bool distributed)
{
    public object? Value { get; } = value;

    public long LogicalExpiresUnixMs { get; } = logicalExpiresUnixMs;

    public bool Distributed { get; } = distributed;
}
