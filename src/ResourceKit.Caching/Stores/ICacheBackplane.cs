namespace ResourceKit.Caching;

/// <summary>
/// Carries invalidations between the processes that share a distributed tier, so that a
/// <c>Set</c> or <c>Remove</c> on one host evicts the stale copies in the local tiers of every other host.
/// </summary>
public interface ICacheBackplane
{
    /// <summary>Tells every other subscriber that <paramref name="key"/> changed.</summary>
    /// <param name="key">The full key that changed.</param>
    /// <param name="cancellationToken">Cancels the publication.</param>
    /// <returns>A task that completes when the message is sent.</returns>
    ValueTask PublishInvalidationAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Registers a handler for invalidations published by other instances.</summary>
    /// <param name="onInvalidation">
    /// Called with the key that changed, or with <see langword="null"/> when messages may have been lost
    /// (for example after a reconnection) and every value that came from the distributed tier must be dropped.
    /// </param>
    /// <returns>A handle that stops the delivery when disposed.</returns>
    IDisposable Subscribe(Action<string?> onInvalidation);
}
