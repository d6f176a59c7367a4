using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ResourceKit.Scheduling;

/// <summary>
/// One submission. It derives from <see cref="TaskCompletionSource{TResult}"/> so that an item costs one object
/// plus its task; the delegate is stored untyped and invoked by <see cref="Kind"/> to avoid a wrapping closure.
/// </summary>
internal sealed class WorkItem<T> : TaskCompletionSource<T>, IWorkItem
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Finished = 2;

    private readonly object _work;
    private readonly Kind _kind;
    private readonly TimeSpan? _timeout;
    private readonly TimeSpan? _abandonAfter;
    private readonly TimeProvider _time;
    private readonly CancellationToken _callerToken;
    private CancellationTokenRegistration _registration;
    private PriorityQueueSet? _queues;
    private int _state;
    private int _slotReleased;

    // abandonAfter: when the worker stops waiting for async work that ignored its timeout (the timeout plus the
    // scheduler's timeout grace period), or null to wait as long as it runs.
    public WorkItem(object work, Kind kind, WorkPriority priority, TimeSpan? timeout, TimeSpan? abandonAfter, TimeProvider time, CancellationToken callerToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _work = work;
        _kind = kind;
        _timeout = timeout;
        _abandonAfter = abandonAfter;
        _time = time;
        _callerToken = callerToken;
        Priority = priority;
    }

    public enum Kind
    {
        SyncAction,
        AsyncAction,
        AsyncFunc,
    }

    public WorkPriority Priority { get; }

    public long EnqueuedTimestamp { get; set; }

    /// <summary>Watches the caller's token while queued, so canceled work completes at once instead of when dequeued.</summary>
    public void WatchCallerToken()
    {
        if (_callerToken.CanBeCanceled)
        {
            _registration = _callerToken.UnsafeRegister(static s => ((WorkItem<T>)s!).CancelIfQueued(((WorkItem<T>)s!)._callerToken), this);
        }
    }

    public void StopWatching() => _registration.Dispose();

    /// <summary>Gets a value indicating whether the caller's token can cancel the item while it waits.</summary>
    public bool CancelableByCaller => _callerToken.CanBeCanceled;

    /// <summary>
    /// Called once the item is in <paramref name="queues"/>; if its caller already canceled it, gives its place back.
    /// The cancel side sets the state and then reads the queues, this side the reverse, both with full fences, so at
    /// least one of them releases the place and <see cref="TryReleaseQueueSlot"/> lets only one of them count.
    /// </summary>
    public void Enqueued(PriorityQueueSet queues)
    {
        Interlocked.Exchange(ref _queues, queues);
        if (Volatile.Read(ref _state) == Finished)
        {
            queues.ReleaseSlot(this);
        }
    }

    public bool TryReleaseQueueSlot() => Interlocked.Exchange(ref _slotReleased, 1) == 0;

    public void CancelIfQueued(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Finished, Queued) == Queued)
        {
            TrySetCanceled(cancellationToken);
            Volatile.Read(ref _queues)?.ReleaseSlot(this);
        }
    }

    public ValueTask<WorkOutcome> ExecuteAsync(ILogger logger, CancellationToken shutdownToken)
    {
        // Most work is synchronous with neither a timeout nor a caller token. Then nothing can race for the item (the
        // caller's token is the only other party that completes a queued item) and there is no token to link, so it
        // runs without the async state machine, the compare-and-swap and the linked token source.
        if (_kind == Kind.SyncAction && _timeout is null && !_callerToken.CanBeCanceled)
        {
            return new ValueTask<WorkOutcome>(RunUnlinked(shutdownToken));
        }

        return ExecuteLinkedAsync(shutdownToken);
    }

    private WorkOutcome RunUnlinked(CancellationToken shutdownToken)
    {
        _state = Running;
        try
        {
            ((Action<CancellationToken>)_work)(shutdownToken);
            TrySetResult(default!);
            return WorkOutcome.Succeeded;
        }
#pragma warning disable CA1031 // The work's exception belongs to its own task; it must never reach the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Fail(exception, (exception as OperationCanceledException)?.CancellationToken ?? default);
        }
        finally
        {
            Volatile.Write(ref _state, Finished);
        }
    }

    private async ValueTask<WorkOutcome> ExecuteLinkedAsync(CancellationToken shutdownToken)
    {
        if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
        {
            // Canceled by the caller's token while it waited; its task is already canceled.
            return WorkOutcome.Canceled;
        }

        _registration.Dispose();
        CancellationTokenSource? timeoutSource = null;
        CancellationTokenSource? linkedSource = null;
        CancellationTokenSource? abandonSource = null;
        bool abandoned = false;
        try
        {
            var token = shutdownToken;
            if (_timeout is { } timeout)
            {
                timeoutSource = new CancellationTokenSource(timeout, _time);

                // Armed before the work starts, so the deadline counts from the start like the timeout does.
                abandonSource = _abandonAfter is { } abandonAfter && _kind != Kind.SyncAction ? new CancellationTokenSource(abandonAfter, _time) : null;
            }

            if (timeoutSource is not null || _callerToken.CanBeCanceled)
            {
                linkedSource = CancellationTokenSource.CreateLinkedTokenSource(_callerToken, shutdownToken, timeoutSource?.Token ?? default);
                token = linkedSource.Token;
            }

            var pending = InvokeAsync(token);
            T result;
            if (abandonSource is null || pending.IsCompleted)
            {
                result = await pending.ConfigureAwait(false);
            }
            else
            {
                var work = pending.AsTask();
                try
                {
                    result = await work.WaitAsync(abandonSource.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (abandonSource.IsCancellationRequested && !work.IsCompleted)
                {
                    // The work ignored its timeout for the whole grace period: stop waiting so the worker is free for
                    // other work. The work runs on; its token sources are disposed (and any exception observed) when it ends.
                    abandoned = true;
                    _ = work.ContinueWith(
                        static (ended, sources) => ReleaseAbandoned(ended, ((CancellationTokenSource?, CancellationTokenSource?))sources!),
                        (linkedSource, timeoutSource),
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                    TrySetException(new TimeoutException(string.Format(CultureInfo.InvariantCulture, "{0} work timed out after {1} and did not end within {2} after its token was signalled; the scheduler stopped waiting for it.", Priority, _timeout, _abandonAfter - _timeout)));
                    return WorkOutcome.TimedOut;
                }
            }

            TrySetResult(result);
            return WorkOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (timeoutSource?.IsCancellationRequested == true && !_callerToken.IsCancellationRequested && !shutdownToken.IsCancellationRequested)
        {
            TrySetException(new TimeoutException(string.Format(CultureInfo.InvariantCulture, "{0} work timed out after {1}.", Priority, _timeout)));
            return WorkOutcome.TimedOut;
        }
#pragma warning disable CA1031 // The work's exception belongs to its own task; it must never reach the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Fail(exception, _callerToken.IsCancellationRequested ? _callerToken : (exception as OperationCanceledException)?.CancellationToken ?? default);
        }
        finally
        {
            Volatile.Write(ref _state, Finished);
            abandonSource?.Dispose();
            if (!abandoned)
            {
                linkedSource?.Dispose();
                timeoutSource?.Dispose();
            }
        }
    }

    private static void ReleaseAbandoned(Task ended, (CancellationTokenSource? Linked, CancellationTokenSource? Timeout) sources)
    {
        // Nobody awaits abandoned work any more; reading its exception keeps it from surfacing as unobserved.
        _ = ended.Exception;
        sources.Linked?.Dispose();
        sources.Timeout?.Dispose();
    }

    /// <summary>Completes the task from the work's exception: canceled (with <paramref name="canceledBy"/>) for a cancellation, faulted otherwise.</summary>
    private WorkOutcome Fail(Exception exception, CancellationToken canceledBy)
    {
        if (exception is OperationCanceledException)
        {
            TrySetCanceled(canceledBy);
            return WorkOutcome.Canceled;
        }

        TrySetException(exception);
        return WorkOutcome.Faulted;
    }

    private ValueTask<T> InvokeAsync(CancellationToken token)
    {
        switch (_kind)
        {
            case Kind.SyncAction:
                ((Action<CancellationToken>)_work)(token);
                return new ValueTask<T>(default(T)!);
            case Kind.AsyncFunc:
                return ((Func<CancellationToken, ValueTask<T>>)_work)(token);
            default:
                var pending = ((Func<CancellationToken, ValueTask>)_work)(token);
                return pending.IsCompletedSuccessfully ? new ValueTask<T>(default(T)!) : AwaitVoidAsync(pending);
        }
    }

    private static async ValueTask<T> AwaitVoidAsync(ValueTask pending)
    {
        await pending.ConfigureAwait(false);
        return default!;
    }
}
