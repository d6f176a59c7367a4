using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResourceKit.Scheduling;

/// <summary>
/// Runs work on a bounded set of workers in five priority levels, with per-level queue bounds, a starvation
/// bound, and CPU-driven admission control. Critical work is always dispatched first and may use
/// <see cref="PrioritySchedulerOptions.CriticalReserve"/> extra workers, so it never waits behind lower levels.
/// </summary>
/// <remarks>
/// Workers are borrowed from the .NET thread pool only while there is work: a submission starts a worker when fewer
/// than <see cref="PrioritySchedulerOptions.MaxConcurrency"/> are active, and a worker drains the queues (by priority)
/// before it returns its thread. Synchronous work runs inline on the worker; async work holds its worker until it
/// completes, or, when it has a timeout and ignores its token, until <see cref="PrioritySchedulerOptions.TimeoutGracePeriod"/>
/// after the timeout. A work item's exception, cancellation or timeout completes only its own task.
/// </remarks>
public sealed partial class PriorityScheduler : IAsyncDisposable, IDisposable
{
    private static readonly Action<PriorityScheduler> StartGeneralWorker = static s => _ = s.RunWorkerAsync(criticalOnly: false);
    private static readonly Action<PriorityScheduler> StartCriticalWorker = static s => _ = s.RunWorkerAsync(criticalOnly: true);

    private readonly Lock _idleGate = new();
    private readonly PriorityQueueSet _queues;
    private readonly TimeProvider _time;
    private readonly ICpuUtilizationSource _cpuSource;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly ITimer _cpuTimer;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationToken _shutdownToken;
    private readonly int _maxWorkers;
    private readonly int _criticalReserve;
    private readonly OverloadPolicy _overloadPolicy;
    private readonly double _cpuThreshold;
    private readonly TimeSpan? _timeoutGrace;
    private const int OutcomeSlot = 5; // counters 0–4: dispatched per level; 5–8: outcomes
    private const int TallySlots = OutcomeSlot + 4;
    private const int TallyFlushInterval = 32;
    private readonly StripedCounters _counters = new(TallySlots);
    private readonly long[] _rejected = new long[5];
    private int _generalWorkers;
    private int _criticalWorkers;
    private volatile bool _accepting = true;
    private volatile bool _draining;
    private readonly AdmissionGate _admissions = new();
    private int _overloaded;
    private double _cpuUtilization;
    private TaskCompletionSource? _idle;

    /// <summary>Initializes a new instance of the <see cref="PriorityScheduler"/> class.</summary>
    /// <param name="options">The options; validated here, every error listed in one <see cref="ArgumentException"/>.</param>
    /// <param name="timeProvider">The clock for queue waits, timeouts and CPU sampling; the system clock when <see langword="null"/>.</param>
    /// <param name="cpuSource">The CPU reading; a <see cref="ProcessCpuUtilizationSource"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger, if any.</param>
    /// <param name="meterFactory">The meter factory, if any; otherwise the scheduler owns its meter.</param>
    public PriorityScheduler(
        PrioritySchedulerOptions options,
        TimeProvider? timeProvider = null,
        ICpuUtilizationSource? cpuSource = null,
        ILogger<PriorityScheduler>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        OptionsValidation.Validate(options, string.Empty, errors);
        OptionsValidation.ThrowIfInvalid(errors, nameof(options));

        _time = timeProvider ?? TimeProvider.System;
        _cpuSource = cpuSource ?? new ProcessCpuUtilizationSource(_time);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _maxWorkers = options.MaxConcurrency;
        _criticalReserve = options.CriticalReserve;
        _overloadPolicy = options.OverloadPolicy;
        _cpuThreshold = options.CpuThresholdPercent / 100;
        _timeoutGrace = options.TimeoutGracePeriod == Timeout.InfiniteTimeSpan ? null : options.TimeoutGracePeriod;
        LoopCpuLimit = options.LoopCpuLimitPercent / 100;
        _queues = new PriorityQueueSet(options.QueueLengthLimits, options.MaxBypassCount);
        _shutdownToken = _shutdown.Token;
        _metrics = new SchedulerMetrics(meterFactory, this);
        SampleCpu();
        _cpuTimer = _time.CreateTimer(static s => ((PriorityScheduler)s!).OnCpuTimer(), this, options.CpuSampleInterval, options.CpuSampleInterval);
    }

    /// <summary>Gets the latest process CPU reading, 0–1 of the machine.</summary>
    public double CpuUtilization => Volatile.Read(ref _cpuUtilization);

    /// <summary>Gets a value indicating whether the latest CPU reading is above the threshold.</summary>
    public bool IsOverloaded => Volatile.Read(ref _overloaded) != 0;

    /// <summary>Gets the clock the scheduler uses.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Gets the loop CPU limit, 0–1 of the machine (<see cref="PrioritySchedulerOptions.LoopCpuLimitPercent"/>).</summary>
    internal double LoopCpuLimit { get; }

    /// <summary>Gets or sets a callback run by a submission between its admission check and its enqueue (tests only: pauses a submitter there).</summary>
    internal Action? AdmissionTestHook { get; set; }

    /// <summary>Gets a value indicating whether a stop has begun waiting for the submissions inside their admission window (for tests).</summary>
    internal bool WaitingForAdmissions { get; private set; }

    internal int ActiveWorkers => Volatile.Read(ref _generalWorkers) + Volatile.Read(ref _criticalWorkers);

    /// <summary>Queues synchronous work.</summary>
    /// <param name="work">The work; it receives a token signalled on its timeout, the caller's cancellation or shutdown.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started (at most about 49.7 days); <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> for no limit. Cooperative: the work must observe its token.</param>
    /// <param name="cancellationToken">Cancels the work; while it is queued its task is canceled at once.</param>
    /// <returns>Whether the work was queued, and its completion when it was.</returns>
    public ScheduleResult TrySchedule(Action<CancellationToken> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = Create<VoidResult>(work, WorkItem<VoidResult>.Kind.SyncAction, priority, timeout, cancellationToken);
        var (status, reason) = Submit(item);
        return new ScheduleResult(status, reason, status == ScheduleStatus.Rejected ? null : item.Task);
    }

    /// <summary>Queues asynchronous work.</summary>
    /// <param name="work">The work; it receives a token signalled on its timeout, the caller's cancellation or shutdown.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started (at most about 49.7 days); <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> for no limit. Cooperative: the work must observe its token.</param>
    /// <param name="cancellationToken">Cancels the work; while it is queued its task is canceled at once.</param>
    /// <returns>Whether the work was queued, and its completion when it was.</returns>
    public ScheduleResult TrySchedule(Func<CancellationToken, ValueTask> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = Create<VoidResult>(work, WorkItem<VoidResult>.Kind.AsyncAction, priority, timeout, cancellationToken);
        var (status, reason) = Submit(item);
        return new ScheduleResult(status, reason, status == ScheduleStatus.Rejected ? null : item.Task);
    }

    /// <summary>Queues asynchronous work that produces a result. For synchronous work with a result, return <c>ValueTask.FromResult(...)</c>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work; it receives a token signalled on its timeout, the caller's cancellation or shutdown.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started (at most about 49.7 days); <see langword="null"/> or <see cref="Timeout.InfiniteTimeSpan"/> for no limit. Cooperative: the work must observe its token.</param>
    /// <param name="cancellationToken">Cancels the work; while it is queued its task is canceled at once.</param>
    /// <returns>Whether the work was queued, and its completion when it was.</returns>
    public ScheduleResult<T> TrySchedule<T>(Func<CancellationToken, ValueTask<T>> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = Create<T>(work, WorkItem<T>.Kind.AsyncFunc, priority, timeout, cancellationToken);
        var (status, reason) = Submit(item);
        return new ScheduleResult<T>(status, reason, status == ScheduleStatus.Rejected ? null : item.Task);
    }

    /// <summary>
    /// Queues synchronous fire-and-forget work: the same admission control, queue bounds, priorities, starvation bound
    /// and shutdown drain as <see cref="TrySchedule(Action{CancellationToken}, WorkPriority, TimeSpan?, CancellationToken)"/>,
    /// but no <see cref="Task"/> is created, so dispatch costs one small object per item. An exception thrown by the work
    /// is logged and counted as faulted in <see cref="GetStatistics"/>; it fails nothing else.
    /// </summary>
    /// <param name="work">The work; it receives a token signalled at shutdown once the grace period has elapsed.</param>
    /// <param name="priority">The level.</param>
    /// <returns>Whether the work was queued, and why not when it was rejected.</returns>
    public PostResult TryPost(Action<CancellationToken> work, WorkPriority priority = WorkPriority.Normal)
    {
        ArgumentNullException.ThrowIfNull(work);
        ThrowIfUnknown(priority);
        var (status, reason) = Submit(new PostedWorkItem(work, priority));
        return new PostResult(status, reason);
    }

    /// <summary>Runs synchronous work; a rejection faults the returned task with <see cref="SubmissionRejectedException"/>.</summary>
    /// <param name="work">The work.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the work has run.</returns>
    public Task RunAsync(Action<CancellationToken> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = TrySchedule(work, priority, timeout, cancellationToken);
        return result.IsQueued ? result.Completion : Task.FromException(Rejection(priority, result.RejectionReason));
    }

    /// <summary>Runs asynchronous work; a rejection faults the returned task with <see cref="SubmissionRejectedException"/>.</summary>
    /// <param name="work">The work.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that completes when the work has run.</returns>
    public Task RunAsync(Func<CancellationToken, ValueTask> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = TrySchedule(work, priority, timeout, cancellationToken);
        return result.IsQueued ? result.Completion : Task.FromException(Rejection(priority, result.RejectionReason));
    }

    /// <summary>Runs asynchronous work that produces a result; a rejection faults the returned task with <see cref="SubmissionRejectedException"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="priority">The level.</param>
    /// <param name="timeout">How long the work may run once started; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>A task that yields the work's result.</returns>
    public Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> work, WorkPriority priority = WorkPriority.Normal, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = TrySchedule(work, priority, timeout, cancellationToken);
        return result.IsQueued ? result.Completion : Task.FromException<T>(Rejection(priority, result.RejectionReason));
    }

    /// <summary>
    /// Returns a task that completes when no work is queued or running. Deferred work counts as queued. Tests use it
    /// to await the effect of a <c>FakeTimeProvider.Advance</c> without sleeping.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the scheduler is idle.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        lock (_idleGate)
        {
            if (IsIdle())
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Stops accepting work, lets queued and running work (deferred work included) finish for up to
    /// <paramref name="gracePeriod"/>, then signals the tokens of running work and cancels what is still queued.
    /// It does not wait for work that ignores its token, so shutdown cannot hang.
    /// </summary>
    /// <param name="gracePeriod">How long queued and running work may take to finish; at most about 49.7 days (0xFFFFFFFE ms).</param>
    /// <param name="cancellationToken">Ends the grace period early.</param>
    /// <returns>A task that completes when the scheduler has stopped.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gracePeriod"/> is negative or longer than a timer can wait; nothing is stopped.</exception>
    public async Task ShutdownAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero);
        OptionsValidation.ThrowIfBeyondTimer(gracePeriod, nameof(gracePeriod));
        _accepting = false;
        _draining = true;
        WaitingForAdmissions = true;
        _admissions.WaitUntilEmpty(); // from here on nothing is enqueued: every accepted item is in the queue
        StartWorkersForQueuedWork();
        var idle = WhenIdleAsync(CancellationToken.None);
        if (!idle.IsCompleted)
        {
            using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(gracePeriod, _time, stopDelay.Token);
            var first = await Task.WhenAny(idle, delay).ConfigureAwait(false);
            await stopDelay.CancelAsync().ConfigureAwait(false);
            if (first != idle)
            {
                SchedulingLog.GracePeriodElapsed(_logger, gracePeriod);
            }
        }

        // Drop the queue before signalling, so a worker freed by the signal cannot start queued work.
        CancelQueuedWork();
        await _shutdown.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Takes a snapshot of the scheduler's counters.</summary>
    /// <returns>The snapshot.</returns>
    public SchedulerStatistics GetStatistics()
    {
        var levels = new PriorityLevelStatistics[5];
        for (int level = 0; level < levels.Length; level++)
        {
            levels[level] = new PriorityLevelStatistics((WorkPriority)level, _queues.CountAt((WorkPriority)level), _counters.Read(level), Interlocked.Read(ref _rejected[level]));
        }

        return new SchedulerStatistics(
            CpuUtilization,
            IsOverloaded,
            ActiveWorkers,
            _counters.Read(OutcomeSlot + (int)WorkOutcome.Succeeded),
            _counters.Read(OutcomeSlot + (int)WorkOutcome.Faulted),
            _counters.Read(OutcomeSlot + (int)WorkOutcome.Canceled),
            _counters.Read(OutcomeSlot + (int)WorkOutcome.TimedOut),
            levels);
    }

    /// <summary>Stops at once: no grace period; running work is signalled and queued work canceled.</summary>
    public void Dispose()
    {
        _accepting = false;
        _admissions.WaitUntilEmpty(); // every accepted item is in the queue, and canceled below
        _cpuTimer.Dispose();
        CancelQueuedWork();
        _shutdown.Cancel();
        _metrics.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    /// <returns>A task that completes when the scheduler is disposed.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private WorkItem<T> Create<T>(object work, WorkItem<T>.Kind kind, WorkPriority priority, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ThrowIfUnknown(priority);
        if (timeout is { } limit && limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), limit, "A timeout must be greater than zero.");
        }

        if (timeout is { } requested)
        {
            OptionsValidation.ThrowIfBeyondTimer(requested, nameof(timeout));
        }

        var effective = timeout == Timeout.InfiniteTimeSpan ? null : timeout;

        // Past the timer maximum the worker simply waits: a grace that long is no different from none.
        var abandonAfter = effective + _timeoutGrace;
        return new WorkItem<T>(work, kind, priority, effective, abandonAfter <= OptionsValidation.MaxTimerDelay ? abandonAfter : null, _time, cancellationToken);
    }

    private static void ThrowIfUnknown(WorkPriority priority)
    {
        // A range check instead of Enum.IsDefined: this runs on every submission.
        if ((uint)priority > (uint)WorkPriority.Background)
        {
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "Unknown priority level.");
        }
    }

    private SubmissionRejectedException Rejection(WorkPriority priority, RejectionReason reason) => new(priority, reason, CpuUtilization);
}
