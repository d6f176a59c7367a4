namespace ResourceKit.Caching;

/// <summary>
/// One in-progress lookup-or-create for a key, shared by every concurrent caller. Its work is cancelled only
/// when every caller has given up, so one impatient caller cannot fail the others.
/// </summary>
internal sealed class Flight<T>
{
    private readonly Lock _lock = new();
    private int _waiters = 1;
    private bool _closed;

    public TaskCompletionSource<CacheResult<T>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenSource Cancellation { get; } = new();

    public bool TryJoin()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _waiters++;
            return true;
        }
    }

    public void Leave()
    {
        lock (_lock)
        {
            if (_closed || --_waiters > 0)
            {
                return;
            }

            _closed = true;
        }

        Cancellation.Cancel();
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
        }
    }
}
