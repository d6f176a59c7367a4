namespace ResourceKit.Memory.ResourcePooling;

/// <summary>Creates, checks and closes the resources of a <see cref="ResourcePool{T}"/>.</summary>
/// <typeparam name="T">The resource type.</typeparam>
public interface IResourceLifecycle<T>
{
    /// <summary>Opens a new resource.</summary>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>The resource.</returns>
    ValueTask<T> CreateAsync(CancellationToken cancellationToken);

    /// <summary>Checks that a resource still works; used on borrow when <see cref="ResourcePoolOptions.ValidateOnAcquire"/> is on.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns><see langword="false"/> (or an exception) to have it closed and replaced.</returns>
    ValueTask<bool> ValidateAsync(T resource, CancellationToken cancellationToken);

    /// <summary>
    /// Closes a resource. The pool waits at most <see cref="ResourcePoolOptions.DestroyTimeout"/> for it and then
    /// abandons it (the call goes on; a later failure is observed), so return a task rather than blocking the thread.
    /// </summary>
    /// <param name="resource">The resource.</param>
    /// <returns>A task that completes when it is closed.</returns>
    ValueTask DestroyAsync(T resource);
}
