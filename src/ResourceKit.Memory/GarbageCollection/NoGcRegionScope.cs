namespace ResourceKit.Memory.GarbageCollection;

/// <summary>A no-GC region from <see cref="GcTuner.TryEnterNoGcRegion"/>; dispose it to end the region.</summary>
public readonly struct NoGcRegionScope : IDisposable, IEquatable<NoGcRegionScope>
{
    private readonly GcTuner? _tuner;
    private readonly long _region;

    internal NoGcRegionScope(GcTuner tuner, long region)
    {
        _tuner = tuner;
        _region = region;
    }

    /// <summary>Gets a value indicating whether the region started; when <see langword="false"/> the section runs with normal GC.</summary>
    public bool Entered => _tuner is not null;

    /// <summary>Compares two scopes.</summary>
    /// <param name="left">The first scope.</param>
    /// <param name="right">The second scope.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(NoGcRegionScope left, NoGcRegionScope right) => left.Equals(right);

    /// <summary>Compares two scopes.</summary>
    /// <param name="left">The first scope.</param>
    /// <param name="right">The second scope.</param>
    /// <returns><see langword="true"/> when different.</returns>
    public static bool operator !=(NoGcRegionScope left, NoGcRegionScope right) => !left.Equals(right);

    /// <summary>
    /// Ends the region if it started and the runtime has not already ended it (by exceeding the budget). A repeat, or
    /// a copy of this scope disposed after a newer region started, does nothing: it never ends another region.
    /// </summary>
    public void Dispose() => _tuner?.ExitNoGcRegion(_region);

    /// <inheritdoc />
    public bool Equals(NoGcRegionScope other) => ReferenceEquals(_tuner, other._tuner) && _region == other._region;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NoGcRegionScope other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_tuner, _region);
}
