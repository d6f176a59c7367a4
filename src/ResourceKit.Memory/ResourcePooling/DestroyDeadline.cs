namespace ResourceKit.Memory.ResourcePooling;

/// <summary>
/// The token handed to one <see cref="IResourceLifecycle{T}.DestroyAsync"/> call, and the moment the pool gives up on
/// it. When the timeout passes (on the pool's clock) the token is cancelled first, running the close's own callbacks,
/// and only then does <see cref="GaveUp"/> complete: a close that honours its token has been told before the pool
/// frees its slot, so its replacement never overlaps it. Disposed when the close ends, not when the pool gives up,
/// so an abandoned close keeps a usable token.
/// </summary>
internal sealed class DestroyDeadline : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly TaskCompletionSource _gaveUp = new(); // continuations inline: the slot is back when the timer callback returns
    private readonly ITimer _timer;

    private DestroyDeadline(TimeSpan timeout, TimeProvider timeProvider)
    {
        Token = _source.Token; // read now: the property throws once the source is disposed
        _timer = timeProvider.CreateTimer(static s => ((DestroyDeadline)s!).GiveUp(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets the token passed to the close.</summary>
    public CancellationToken Token { get; }

    /// <summary>Gets a task that completes once the token has been cancelled and its callbacks have run.</summary>
    public Task GaveUp => _gaveUp.Task;

    /// <summary>Gets a value indicating whether the timeout passed (the pool gave up, or is giving up, on the close).</summary>
    public bool TimedOut => Token.IsCancellationRequested;

    /// <summary>Starts the deadline; <see langword="null"/> when <paramref name="timeout"/> is infinite (the close then gets a token that is never cancelled).</summary>
    /// <param name="timeout">The destroy timeout.</param>
    /// <param name="timeProvider">The pool's clock.</param>
    /// <returns>The deadline, or <see langword="null"/>.</returns>
    public static DestroyDeadline? Start(TimeSpan timeout, TimeProvider timeProvider) =>
        timeout == Timeout.InfiniteTimeSpan ? null : new DestroyDeadline(timeout, timeProvider);

    public void Dispose()
    {
        _timer.Dispose();
        _source.Dispose();
    }

    private void GiveUp()
    {
        try
        {
            _source.Cancel();
        }
        catch (AggregateException)
        {
            // A callback the close registered threw; the close's own outcome is what the pool observes.
        }
        catch (ObjectDisposedException)
        {
            // The close ended and disposed the deadline just as the timer fired: there is nothing left to tell.
        }

        _gaveUp.TrySetResult();
    }
}
