namespace ResourceKit.Caching.Disk;

/// <summary>What the disk store's index knows about one record without reading it.</summary>
internal sealed class DiskEntry(long size, long expiresUnixMs, long lastAccessUnixMs)
{
    private long _lastAccessUnixMs = lastAccessUnixMs;
    private int _reads;

    public long Size { get; } = size;

    public long ExpiresUnixMs { get; } = expiresUnixMs;

    public long LastAccessUnixMs => Volatile.Read(ref _lastAccessUnixMs);

    public bool WasReused => Volatile.Read(ref _reads) > 0;

    public void Touch(long nowUnixMs)
    {
        Volatile.Write(ref _lastAccessUnixMs, nowUnixMs);
        if (_reads == 0)
        {
            Interlocked.Increment(ref _reads);
        }
    }
}
