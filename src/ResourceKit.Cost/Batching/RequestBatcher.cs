namespace ResourceKit.Cost.Batching;

/// <summary>
/// Groups single requests into batches for providers that accept batches (and often price them lower): a batch is
/// sent when it reaches <see cref="RequestBatcherOptions.MaxBatchSize"/> or when its first request has waited
/// <see cref="RequestBatcherOptions.MaxDelay"/>, on a <see cref="TimeProvider"/> timer.
/// </summary>
/// <typeparam name="TRequest">The request type.</typeparam>
/// <typeparam name="TResponse">The response type.</typeparam>
public sealed class RequestBatcher<TRequest, TResponse> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<TRequest>, CancellationToken, ValueTask<IReadOnlyList<TResponse>>> _sendBatch;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<Pending> _pending = [];
    private readonly List<Task> _inFlight = [];
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="RequestBatcher{TRequest, TResponse}"/> class.</summary>
    /// <param name="sendBatch">Sends one batch and returns one response per request, in order.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; defaults to the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public RequestBatcher(
        Func<IReadOnlyList<TRequest>, CancellationToken, ValueTask<IReadOnlyList<TResponse>>> sendBatch,
        RequestBatcherOptions? options = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sendBatch);
        options ??= new RequestBatcherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxDelay, TimeSpan.Zero, nameof(options));
        _sendBatch = sendBatch;
        _maxBatchSize = options.MaxBatchSize;
        _maxDelay = options.MaxDelay;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the number of requests waiting for their batch.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues a request and returns its response once its batch has been sent.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Withdraws the request if its batch has not been sent yet.</param>
    /// <returns>The response.</returns>
    /// <exception cref="ObjectDisposedException">The batcher is disposed.</exception>
    public Task<TResponse> SubmitAsync(TRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entry = new Pending(request, new TaskCompletionSource<TResponse>(TaskCreationOptions.RunContinuationsAsynchronously));
        List<Pending>? full = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _pending.Add(entry);
            if (_pending.Count >= _maxBatchSize)
            {
                full = TakeBatch();
            }
            else if (_pending.Count == 1)
            {
                _timer = _time.CreateTimer(_ => Flush(), null, _maxDelay, Timeout.InfiniteTimeSpan);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            entry.Registration = cancellationToken.Register(() => Withdraw(entry, cancellationToken));
        }

        if (full is not null)
        {
            Send(full);
        }

        return entry.Completion.Task;
    }

    /// <summary>Sends whatever is waiting now, without waiting for the batch to fill.</summary>
    public void Flush()
    {
        List<Pending>? batch;
        lock (_gate)
        {
            batch = _pending.Count > 0 ? TakeBatch() : null;
        }

        if (batch is not null)
        {
            Send(batch);
        }
    }

    /// <summary>Sends what is waiting and waits for every batch in flight.</summary>
    /// <returns>A task that completes when every batch has been answered.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        Flush();
        Task[] inFlight;
        lock (_gate)
        {
            inFlight = [.. _inFlight];
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private List<Pending> TakeBatch()
    {
        _timer?.Dispose();
        _timer = null;
        var batch = _pending.GetRange(0, Math.Min(_maxBatchSize, _pending.Count));
        _pending.RemoveRange(0, batch.Count);
        if (_pending.Count > 0)
        {
            _timer = _time.CreateTimer(_ => Flush(), null, _maxDelay, Timeout.InfiniteTimeSpan);
        }

        return batch;
    }

    private void Send(List<Pending> batch)
    {
        var task = SendAsync(batch);
        lock (_gate)
        {
            _inFlight.Add(task);
        }

        _ = task.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _inFlight.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task SendAsync(List<Pending> batch)
    {
        foreach (var entry in batch)
        {
            entry.Registration.Dispose();
        }

        try
        {
            var responses = await _sendBatch([.. batch.Select(p => p.Request)], CancellationToken.None).ConfigureAwait(false);
            if (responses.Count != batch.Count)
            {
                throw new InvalidOperationException($"The batch sender returned {responses.Count} responses for {batch.Count} requests.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(responses[i]);
            }
        }
        catch (Exception ex)
        {
            batch.ForEach(p => p.Completion.TrySetException(ex));
        }
    }

    private void Withdraw(Pending entry, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_pending.Remove(entry))
            {
                return;
            }

            if (_pending.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }

        entry.Completion.TrySetCanceled(cancellationToken);
    }

    private sealed class Pending(TRequest request, TaskCompletionSource<TResponse> completion)
    {
        public TRequest Request { get; } = request;

        public TaskCompletionSource<TResponse> Completion { get; } = completion;

        public CancellationTokenRegistration Registration { get; set; }
    }
}
