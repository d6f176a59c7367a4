namespace ResourceKit.Memory.ResourcePooling;

/// <summary>
/// Thrown when an acquire waited its whole timeout while the pool stayed at its maximum size, or when opening a
/// resource took longer than <see cref="ResourcePoolOptions.CreateTimeout"/> (then <see cref="Timeout"/> is that timeout).
/// </summary>
public sealed class ResourcePoolTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance of the <see cref="ResourcePoolTimeoutException"/> class.</summary>
    public ResourcePoolTimeoutException()
        : base("Timed out waiting for a pooled resource.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ResourcePoolTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    public ResourcePoolTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ResourcePoolTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ResourcePoolTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ResourcePoolTimeoutException"/> class.</summary>
    /// <param name="poolName">The pool's name.</param>
    /// <param name="timeout">How long the caller waited.</param>
    /// <param name="maxSize">The pool's maximum size.</param>
    public ResourcePoolTimeoutException(string poolName, TimeSpan timeout, int maxSize)
        : base($"Timed out after {timeout} waiting for a resource from pool '{poolName}': all {maxSize} resources are in use (counting those being opened or closed).")
    {
        PoolName = poolName;
        Timeout = timeout;
        MaxSize = maxSize;
    }

    /// <summary>Initializes a new instance of the <see cref="ResourcePoolTimeoutException"/> class for a timeout other than the wait.</summary>
    internal ResourcePoolTimeoutException(string poolName, TimeSpan timeout, int maxSize, string message, Exception innerException)
        : base(message, innerException)
    {
        PoolName = poolName;
        Timeout = timeout;
        MaxSize = maxSize;
    }

    /// <summary>Gets the pool's name.</summary>
    public string? PoolName { get; }

    /// <summary>Gets how long the caller waited (or, for a creation that timed out, <see cref="ResourcePoolOptions.CreateTimeout"/>).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Gets the pool's maximum size.</summary>
    public int MaxSize { get; }
}
