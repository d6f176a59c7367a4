namespace ResourceKit.Caching;

/// <summary>
/// A watch on one key's changes from <see cref="KeyChangeTracker.Watch"/>; dispose it once. The default value watches
/// nothing and never reports the key unchanged.
/// </summary>
internal readonly struct KeyWatch : IDisposable
{
    private readonly KeyChangeTracker? _tracker;

    public KeyWatch(KeyChangeTracker tracker, string key, KeyChangeTracker.KeyState state, long version, long epoch)
    {
        _tracker = tracker;
        Key = key;
        State = state;
        Version = version;
        Epoch = epoch;
    }

    public string Key { get; }

    public KeyChangeTracker.KeyState State { get; }

    /// <summary>Gets the key's change count when the watch began, or -1 when a change was in progress then.</summary>
    public long Version { get; }

    public long Epoch { get; }

    /// <summary>Gets a value indicating whether no write, removal or invalidation of the key began since the watch did.</summary>
    public bool Unchanged => _tracker?.IsUnchanged(this, 0) == true;

    /// <summary>Whether the key saw no change since the watch began except <paramref name="ownChanges"/> made by the watcher itself.</summary>
    public bool UnchangedExcept(int ownChanges) => _tracker?.IsUnchanged(this, ownChanges) == true;

    public void Dispose() => _tracker?.Release(Key, State);
}
