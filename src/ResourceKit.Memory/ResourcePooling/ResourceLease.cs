namespace ResourceKit.Memory.ResourcePooling;

/// <summary>
/// A borrowed resource. Dispose it (or <c>await using</c> it) to give the resource back; a second dispose is ignored.
/// </summary>
/// <typeparam name="T">The resource type.</typeparam>
public readonly struct ResourceLease<T> : IDisposable, IAsyncDisposable, IEquatable<ResourceLease<T>>
{
    private readonly ResourcePool<T>? _pool;
    private readonly PooledResource<T>? _entry;
    private readonly long _id;

    internal ResourceLease(ResourcePool<T> pool, PooledResource<T> entry, long id)
    {
        _pool = pool;
        _entry = entry;
        _id = id;
    }

    /// <summary>Gets the borrowed resource.</summary>
    /// <exception cref="InvalidOperationException">The lease is a default value.</exception>
    public T Resource => _entry is null ? throw new InvalidOperationException("This lease was not obtained from a pool.") : _entry.Value;

    /// <summary>Compares two leases.</summary>
    /// <param name="left">The first lease.</param>
    /// <param name="right">The second lease.</param>
    /// <returns><see langword="true"/> when both are the same lease.</returns>
    public static bool operator ==(ResourceLease<T> left, ResourceLease<T> right) => left.Equals(right);

    /// <summary>Compares two leases.</summary>
    /// <param name="left">The first lease.</param>
    /// <param name="right">The second lease.</param>
    /// <returns><see langword="true"/> when they are different leases.</returns>
    public static bool operator !=(ResourceLease<T> left, ResourceLease<T> right) => !left.Equals(right);

    /// <summary>Marks the resource broken: when the lease is disposed the resource is closed and replaced instead of reused.</summary>
    public void MarkBroken() => _pool?.MarkBroken(_entry!, _id);

    /// <summary>Returns the resource to the pool; a broken or expired one is closed in the background, and keeps its place under <see cref="ResourcePoolOptions.MaxSize"/> until that close ends or is abandoned.</summary>
    public void Dispose() => _pool?.Release(_entry!, _id);

    /// <summary>Returns the resource to the pool; a broken or expired one is closed before this completes.</summary>
    /// <returns>A task that completes when the resource is back or closed.</returns>
    public ValueTask DisposeAsync() => _pool?.ReleaseAsync(_entry!, _id) ?? ValueTask.CompletedTask;

    /// <inheritdoc />
    public bool Equals(ResourceLease<T> other) => ReferenceEquals(_entry, other._entry) && _id == other._id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ResourceLease<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_entry, _id);
}
