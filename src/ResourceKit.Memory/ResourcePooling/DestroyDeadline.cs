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
    private TaskCompletionSource? _gaveUp; // continuations inline: the slot is back when the timer callback returns
    private ITimer? _timer;

    public DestroyDeadline() => Token = _source.Token; // read now: the property throws once the source is disposed

    /// <summary>Gets the token passed to the close.</summary>
    public CancellationToken Token { get; }

    /// <summary>Gets a task that completes once the token has been cancelled and its callbacks have run; only after <see cref="Start"/>.</summary>
    public Task GaveUp => _gaveUp!.Task;

    /// <summary>Gets a value indicating whether the timeout passed (the pool gave up, or is giving up, on the close).</summary>
    public bool TimedOut => Token.IsCancellationRequested;

    /// <summary>
    /// Starts the countdown, once the close has returned a task still running: most closes end synchronously and never
    /// need a timer, and the pool measured the timeout from this point before the token existed, too.
    /// </summary>
    /// <param name="timeout">The destroy timeout.</param>
    /// <param name="timeProvider">The pool's clock.</param>
    public void Start(TimeSpan timeout, TimeProvider timeProvider)
    {
        _gaveUp = new TaskCompletionSource();
        _timer = timeProvider.CreateTimer(static s => ((DestroyDeadline)s!).GiveUp(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _timer?.Dispose();
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

        _gaveUp!.TrySetResult();
    }
}
