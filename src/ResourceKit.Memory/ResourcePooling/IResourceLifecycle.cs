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
    /// Closes a resource. The pool waits at most <see cref="ResourcePoolOptions.DestroyTimeout"/> for it; when that
    /// passes, <paramref name="cancellationToken"/> is cancelled and the pool stops waiting (a later failure is
    /// observed). Honour the token by aborting what is left of a graceful close (drop the socket, kill the process),
    /// so an abandoned close does not keep running unseen. Return a task rather than blocking the thread. The resource
    /// keeps its place under <see cref="ResourcePoolOptions.MaxSize"/> until this call ends or the token is cancelled.
    /// </summary>
    /// <param name="resource">The resource.</param>
    /// <param name="cancellationToken">
    /// Cancelled when the pool gives up on the close (<see cref="ResourcePoolOptions.DestroyTimeout"/> passed), and
    /// only then: disposing the pool does not cancel it, so the closes disposal starts still get their whole timeout.
    /// It cannot be cancelled when <see cref="ResourcePoolOptions.DestroyTimeout"/> is <see cref="Timeout.InfiniteTimeSpan"/>.
    /// It stays usable until the call ends, even after the pool gave up.
    /// </param>
    /// <returns>A task that completes when it is closed.</returns>
    ValueTask DestroyAsync(T resource, CancellationToken cancellationToken);
}
