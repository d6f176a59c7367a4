using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using ResourceKit.Diagnostics;

namespace ResourceKit.Scheduling;

/// <summary>
/// Collects items into batches of up to <see cref="BatcherOptions.MaxBatchSize"/>, or whatever arrived within
/// <see cref="BatcherOptions.MaxBatchDelay"/> of a batch's first item, and hands each batch to one flush call.
/// Batches are flushed one at a time, in order. At most <see cref="BatcherOptions.Capacity"/> items may be pending:
/// beyond that <see cref="AddAsync"/> waits and <see cref="TryAdd"/> refuses (back-pressure).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
/// <remarks>
/// The delay timer is armed by the call that adds a batch's first item, on the injected <see cref="TimeProvider"/>,
/// so a test can add items, advance a fake clock by the delay, and the batch is handed off during that advance.
/// A flush that throws is logged and counted; its items are not retried (retrying belongs in the flush delegate).
/// </remarks>
public sealed class Batcher<T> : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<IReadOnlyList<T>, CancellationToken, ValueTask> _flush;
    private readonly SemaphoreSlim _capacity;
    private readonly Channel<List<T>> _ready = Channel.CreateUnbounded<List<T>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxBatchDelay;
    private readonly CancellationTokenSource _abandon = new();
    private readonly Task _consumer;
    private List<T>? _current;
    private long _currentStarted;
    private bool _completed;
    private long _added;
    private long _flushed;
    private long _bySize;
    private long _byTime;
    private long _failed;
    private int _pending;

    /// <summary>Initializes a new instance of the <see cref="Batcher{T}"/> class.</summary>
    /// <param name="options">The options; validated here.</param>
    /// <param name="flush">Called with each batch; the token is signalled only when <see cref="CompleteAsync"/> is abandoned.</param>
    /// <param name="timeProvider">The clock for batch delays; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">The logger for failed flushes, if any.</param>
    public Batcher(BatcherOptions options, Func<IReadOnlyList<T>, CancellationToken, ValueTask> flush, TimeProvider? timeProvider = null, ILogger<Batcher<T>>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(flush);
        var errors = new List<string>();
        if (options.MaxBatchSize < 1)
        {
            errors.Add($"MaxBatchSize must be at least 1 (was {options.MaxBatchSize}).");
        }

        if (options.MaxBatchDelay <= TimeSpan.Zero)
        {
            errors.Add($"MaxBatchDelay must be greater than zero (was {options.MaxBatchDelay}).");
        }

        OptionsValidation.ValidateTimerRange(options.MaxBatchDelay, "MaxBatchDelay", errors);

        if (options.Capacity < Math.Max(1, options.MaxBatchSize))
        {
            errors.Add($"Capacity must be at least MaxBatchSize (was {options.Capacity}, MaxBatchSize {options.MaxBatchSize}).");
        }

        OptionsValidation.ThrowIfInvalid(errors, nameof(options));
        _flush = flush;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _maxBatchSize = options.MaxBatchSize;
        _maxBatchDelay = options.MaxBatchDelay;
        _capacity = new SemaphoreSlim(options.Capacity, options.Capacity);
        _timer = _time.CreateTimer(static s => ((Batcher<T>)s!).OnDelayElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _consumer = Task.Run(ConsumeAsync);
    }

    /// <summary>Adds an item, waiting while <see cref="BatcherOptions.Capacity"/> items are pending.</summary>
    /// <param name="item">The item.</param>
    /// <param name="cancellationToken">Stops waiting for capacity.</param>
    /// <returns>A task that completes when the item has been added to a batch.</returns>
    /// <exception cref="ObjectDisposedException">The batcher has been completed.</exception>
    public async ValueTask AddAsync(T item, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _completed), this);
        await _capacity.WaitAsync(cancellationToken).ConfigureAwait(false);
        Append(item);
    }

    /// <summary>Adds an item if capacity allows.</summary>
    /// <param name="item">The item.</param>
    /// <returns><see langword="false"/> when <see cref="BatcherOptions.Capacity"/> items are already pending.</returns>
    /// <exception cref="ObjectDisposedException">The batcher has been completed.</exception>
    public bool TryAdd(T item)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _completed), this);
        if (!_capacity.Wait(0))
        {
            return false;
        }

        Append(item);
        return true;
    }

    /// <summary>Takes a snapshot of the batcher's counters.</summary>
    /// <returns>The snapshot.</returns>
    public BatcherStatistics GetStatistics()
    {
        lock (_gate)
        {
            return new BatcherStatistics(_added, _flushed, _bySize, _byTime, _failed, _pending);
        }
    }

    /// <summary>
    /// Stops accepting items, flushes the partial batch and waits for every pending batch to be flushed. If
    /// <paramref name="cancellationToken"/> fires first, the running flush's token is signalled and the wait ends.
    /// </summary>
    /// <param name="cancellationToken">Abandons the wait.</param>
    /// <returns>A task that completes when all batches are flushed or the wait was abandoned.</returns>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_completed && _current is not null)
            {
                _ready.Writer.TryWrite(_current); // inside the lock: see Append
            }

            _current = null;
            _completed = true;
            _ready.Writer.TryComplete();
        }

        _timer.Dispose();
        try
        {
            await _consumer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abandon.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Completes the batcher, flushing everything pending.</summary>
    /// <returns>A task that completes when all batches are flushed.</returns>
    public async ValueTask DisposeAsync() => await CompleteAsync().ConfigureAwait(false);

    private void Append(T item)
    {
        bool arm = false;
        lock (_gate)
        {
            if (_completed)
            {
                _capacity.Release();
                throw new ObjectDisposedException(GetType().Name);
            }

            _current ??= new List<T>(_maxBatchSize);
            _current.Add(item);
            _added++;
            _pending++;
            if (_current.Count == 1)
            {
                _currentStarted = _time.GetTimestamp();
                arm = true;
            }

            if (_current.Count >= _maxBatchSize)
            {
                // Handed off inside the lock (an unbounded channel never blocks), so batches are queued in the order
                // they are formed and none can land after CompleteAsync has completed the channel.
                _ready.Writer.TryWrite(_current);
                _current = null;
                _bySize++;
                arm = false;
            }
        }

        if (arm)
        {
            Arm(_maxBatchDelay);
        }
    }

    private void OnDelayElapsed()
    {
        TimeSpan remaining;
        lock (_gate)
        {
            if (_current is null)
            {
                return;
            }

            // A timer armed for an earlier batch may fire for a younger one: wait out the young batch's own delay.
            remaining = _maxBatchDelay - _time.GetElapsedTime(_currentStarted);
            if (remaining <= TimeSpan.Zero)
            {
                _ready.Writer.TryWrite(_current); // inside the lock: see Append
                _current = null;
                _byTime++;
                return;
            }
        }

        Arm(remaining);
    }

    private void Arm(TimeSpan dueIn)
    {
        try
        {
            _timer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Completed meanwhile; CompleteAsync hands off the partial batch.
        }
    }

    private async Task ConsumeAsync()
    {
        await foreach (var batch in _ready.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Exception? failure = null;
            try
            {
                await _flush(batch, _abandon.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failed flush is logged and counted; the batcher keeps flushing later batches.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = exception;
            }

            lock (_gate)
            {
                _flushed++;
                _failed += failure is null ? 0 : 1;
                _pending -= batch.Count;
            }

            _capacity.Release(batch.Count);
            if (failure is not null)
            {
                // After the bookkeeping, and never out of this loop: a failing logger must not stop every later
                // flush and leave producers waiting for capacity.
                LastResortLog.Write((_logger, batch.Count, failure), static s => SchedulingLog.BatchFlushFailed(s._logger, s.Count, s.failure));
            }
        }
    }
}
