namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Describes a lease held past <see cref="ResourcePoolOptions.LeakDetectionThreshold"/>.</summary>
/// <param name="poolName">The pool's name.</param>
/// <param name="heldFor">How long the lease has been held.</param>
/// <param name="acquisitionStackTrace">Where the lease was acquired, when stack traces are captured.</param>
public sealed class ResourceLeakDetectedEventArgs(string poolName, TimeSpan heldFor, string? acquisitionStackTrace) : EventArgs
{
    /// <summary>Gets the pool's name.</summary>
    public string PoolName { get; } = poolName;

    /// <summary>Gets how long the lease has been held.</summary>
    public TimeSpan HeldFor { get; } = heldFor;

    /// <summary>Gets the stack trace of the acquire, or <see langword="null"/> when not captured.</summary>
    public string? AcquisitionStackTrace { get; } = acquisitionStackTrace;
}
