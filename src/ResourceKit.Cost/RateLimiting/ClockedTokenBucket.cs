using System.Threading.RateLimiting;

namespace ResourceKit.Cost.RateLimiting;

/// <summary>
/// A token-bucket <see cref="RateLimiter"/> refilled only by <see cref="Refill"/>, which the owner calls from a
/// <see cref="TimeProvider"/> timer. <see cref="TokenBucketRateLimiter"/> measures elapsed time with its own
/// clock, so a fake clock could not drive it in tests; this bucket has no clock of its own.
/// </summary>
internal sealed class ClockedTokenBucket : RateLimiter
{
    private static readonly RateLimitLease Acquired = new Lease(true);
    private static readonly RateLimitLease Refused = new Lease(false);

    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly int _perRefill;
    private long _tokens;
    private long _queued;
    private long _granted;
    private long _failed;
    private bool _disposed;

    public ClockedTokenBucket(int capacity, int perRefill)
    {
        Capacity = capacity;
        _perRefill = perRefill;
        _tokens = capacity;
    }

    public int Capacity { get; }

    public override TimeSpan? IdleDuration => null;

    public void Refill() => Add(_perRefill);

    /// <summary>Gives back permits a caller took but did not use (its later wait was cancelled), waking waiters they satisfy.</summary>
    public void Return(int permits)
    {
        if (permits > 0)
        {
            Add(permits);
        }
    }

    private void Add(int permits)
    {
        List<Waiter>? ready = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _tokens = Math.Min(Capacity, _tokens + permits);
            while (_queue.First is { } first && first.Value.Permits <= _tokens)
            {
                _queue.RemoveFirst();
                _tokens -= first.Value.Permits;
                _queued -= first.Value.Permits;
                (ready ??= []).Add(first.Value);
            }
        }

        // Complete outside the lock: continuations may run inline.
        ready?.ForEach(w =>
        {
            w.Registration.Dispose();
            if (w.Completion.TrySetResult(Acquired))
            {
                Interlocked.Increment(ref _granted);
            }
        });
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _tokens,
                CurrentQueuedCount = _queued,
                TotalSuccessfulLeases = Interlocked.Read(ref _granted),
                TotalFailedLeases = Interlocked.Read(ref _failed),
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ValidatePermits(permitCount);
        lock (_gate)
        {
            if (!_disposed && _queue.Count == 0 && _tokens >= permitCount)
            {
                _tokens -= permitCount;
                Interlocked.Increment(ref _granted);
                return Acquired;
            }
        }

        Interlocked.Increment(ref _failed);
        return Refused;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ValidatePermits(permitCount);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.FromResult(Refused);
            }

            if (_queue.Count == 0 && _tokens >= permitCount)
            {
                _tokens -= permitCount;
                Interlocked.Increment(ref _granted);
                return ValueTask.FromResult(Acquired);
            }

            var completion = new TaskCompletionSource<RateLimitLease>(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = _queue.AddLast(new Waiter(permitCount, completion, default));
            _queued += permitCount;
            if (cancellationToken.CanBeCanceled)
            {
                node.Value = node.Value with { Registration = cancellationToken.Register(() => Cancel(node, cancellationToken)) };
            }

            return new ValueTask<RateLimitLease>(completion.Task);
        }
    }

    protected override void Dispose(bool disposing)
    {
        List<Waiter> waiting;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            waiting = [.. _queue];
            _queue.Clear();
            _queued = 0;
        }

        waiting.ForEach(w =>
        {
            w.Registration.Dispose();
            w.Completion.TrySetResult(Refused);
        });
        base.Dispose(disposing);
    }

    private void ValidatePermits(int permitCount)
    {
        if (permitCount < 0 || permitCount > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"Permits must be between 0 and the bucket capacity ({Capacity}).");
        }
    }

    private void Cancel(LinkedListNode<Waiter> node, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (node.List is null)
            {
                return;
            }

            _queue.Remove(node);
            _queued -= node.Value.Permits;
        }

        node.Value.Completion.TrySetCanceled(cancellationToken);
    }

    private readonly record struct Waiter(int Permits, TaskCompletionSource<RateLimitLease> Completion, CancellationTokenRegistration Registration);

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
