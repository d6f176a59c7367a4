namespace ResourceKit.Memory.Tests.Support;

/// <summary>
/// Queues posted work until the test runs it, so a test decides exactly when code that yields (Task.Yield posts to
/// the current context) continues: interleavings become deterministic without sleeps.
/// </summary>
internal sealed class ManualSynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _posted = new();

    /// <summary>Installs a new context on this thread; disposing the result puts the previous one back.</summary>
    /// <param name="context">The installed context.</param>
    /// <returns>Restores the previous context.</returns>
    public static IDisposable Install(out ManualSynchronizationContext context)
    {
        var previous = Current;
        context = new ManualSynchronizationContext();
        SetSynchronizationContext(context);
        return new Restore(previous);
    }

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_posted)
        {
            _posted.Enqueue((d, state));
        }
    }

    /// <summary>Runs everything posted so far, and whatever that posts, on the calling thread.</summary>
    public void RunPending()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) next;
            lock (_posted)
            {
                if (!_posted.TryDequeue(out next))
                {
                    return;
                }
            }

            next.Callback(next.State);
        }
    }

    private sealed class Restore(SynchronizationContext? previous) : IDisposable
    {
        public void Dispose() => SetSynchronizationContext(previous);
    }
}
