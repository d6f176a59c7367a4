namespace ResourceKit.Caching.Disk;

/// <summary>
/// Thrown when a <see cref="DiskCacheStore"/> cannot take its folder because another process or store instance holds
/// the folder's lock file.
/// </summary>
/// <remarks>
/// The dependency-injection registration of the tiered cache catches it, logs a warning and runs without the disk
/// tier; a store created with <c>new</c> lets it reach the caller.
/// </remarks>
public sealed class DiskCacheFolderInUseException : IOException
{
    /// <summary>Initializes a new instance of the <see cref="DiskCacheFolderInUseException"/> class.</summary>
    public DiskCacheFolderInUseException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DiskCacheFolderInUseException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public DiskCacheFolderInUseException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DiskCacheFolderInUseException"/> class with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The failure to lock the folder.</param>
    public DiskCacheFolderInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
