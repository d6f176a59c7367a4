using System.Globalization;
using Microsoft.Extensions.Logging;
using ResourceKit.Diagnostics;

namespace ResourceKit.Scheduling;

/// <summary>
/// Drives one agent loop: a one-shot <see cref="TimeProvider"/> timer re-armed on a fixed grid, one run in flight at
/// most, the missed-tick policy, the CPU check, and the loop's statistics.
/// </summary>
internal sealed class LoopRunner
{
    private readonly Lock _sync = new();
    private readonly string _name;
    private readonly AgentLoopOptions _options;
    private readonly Func<CancellationToken, ValueTask> _handler;
    private readonly Func<CancellationToken, ValueTask> _run;
    private readonly PriorityScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LoopMetrics _metrics;
    private readonly CancellationToken _stopToken;
    private readonly long _intervalTicks;
    private readonly TimeSpan? _timeout;
    private readonly DurationWindow _durations = new();
    private ITimer? _timer;
    private long _nextDue;
    private bool _running;
    private Task? _queued;
    private TaskCompletionSource? _runEnded;
    private bool _catchUpPending;
    private bool _stopped;
    private Task _currentRun = Task.CompletedTask;
    private long _runs;
    private long _failures;
    private long _missed;
    private long _cpuSkips;
    private RejectionReason _rejectingFor;
    private long _rejectedInARow;
    private long _rejected;
    private long _durationTicks;
    private TimeSpan _cpuTime;
    private bool _hasStarted;
    private long _lastStartTimestamp;
    private DateTimeOffset? _lastStarted;
    private long _gapTicks;
    private long _gaps;

    public LoopRunner(string name, AgentLoopOptions options, Func<CancellationToken, ValueTask> handler, PriorityScheduler scheduler, ILogger logger, LoopMetrics metrics, CancellationToken stopToken)
    {
        _name = name;
        _options = options;
        _handler = handler;
        _run = RunOnceAsync;
        _scheduler = scheduler;
        _time = scheduler.TimeProvider;
        _logger = logger;
        _metrics = metrics;
        _stopToken = stopToken;
        _intervalTicks = Math.Max(1, (long)(options.Interval.TotalSeconds * _time.TimestampFrequency));
        _timeout = options.EffectiveTimeout;
    }

    public void Start()
    {
        if (!_options.Enabled)
        {
            return;
        }

        var timer = _time.CreateTimer(static s => ((LoopRunner)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        long now = _time.GetTimestamp();
        var firstDelay = _options.InitialDelay ?? _options.Interval;
        lock (_sync)
        {
            _nextDue = now + Math.Max(0, (long)(firstDelay.TotalSeconds * _time.TimestampFrequency));
            _timer = timer;
        }

        Arm(timer, firstDelay + NextJitter());
    }

    /// <summary>
    /// Stops ticking; returns a task that ends with the run still in flight, if any (its token is signalled by the
    /// owner). A running run is waited for until it really ends, even when the scheduler stopped waiting for it.
    /// </summary>
    public Task Stop()
    {
        ITimer? timer;
        Task inFlight;
        lock (_sync)
        {
            _stopped = true;
            _catchUpPending = false;
            timer = _timer;
            _timer = null;
            if (_running)
            {
                _runEnded ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                inFlight = _runEnded.Task;
            }
            else
            {
                inFlight = InFlightLocked ? _currentRun : Task.CompletedTask;
            }
        }

        timer?.Dispose();

        // The caller waits for this; it never faults, so nobody has to observe it.
        return inFlight.IsCompleted ? Task.CompletedTask : inFlight.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public AgentLoopStatistics GetStatistics()
    {
        lock (_sync)
        {
            TimeSpan? runningFor = _running ? _time.GetElapsedTime(_lastStartTimestamp) : null;
            return new AgentLoopStatistics(
                _name,
                _options.Priority,
                _options.Interval,
                _options.CpuBudgetPercent,
                _options.Description,
                _runs,
                _failures,
                _missed,
                _cpuSkips,
                _rejected,
                _runs == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(_durationTicks / _runs),
                _durations.Percentile(0.95),
                _cpuTime,
                _lastStarted,
                _gaps == 0 ? null : (double)_gapTicks / _gaps / _intervalTicks)
            {
                RunningFor = runningFor,
                IsStalled = runningFor >= _timeout,
            };
        }
    }

    /// <summary>
    /// Gets a value indicating whether a run is in flight: running, or queued and not yet started. A queued submission
    /// the scheduler completes without running it (canceled while queued, or faulted before it started) no longer
    /// holds the loop, so the loop cannot be stuck on a run that will never come.
    /// </summary>
    private bool InFlightLocked => _running || _queued is { IsCompleted: false };

    /// <summary>The tick timer's callback: it must never throw, or the exception would take the host down.</summary>
    private void OnTimer()
    {
        try
        {
            OnTick();
        }
#pragma warning disable CA1031 // A timer callback must not throw; the timer is re-armed before anything that can.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LastResortLog.Write((_logger, _name, exception), static s => SchedulingLog.LoopTickFailed(s._logger, s._name, s.exception));
        }
    }

    private void OnTick()
    {
        long now = _time.GetTimestamp();
        long missed;
        StartAttempt attempt = default;
        ITimer? timer;
        TimeSpan dueIn;
        lock (_sync)
        {
            if (_stopped)
            {
                return;
            }

            // Ticks the timer passed over (a stalled process, or a test advancing several intervals at once).
            long late = now - _nextDue;
            long passedOver = late >= _intervalTicks ? late / _intervalTicks : 0;
            _nextDue += (passedOver + 1) * _intervalTicks;
            dueIn = _time.GetElapsedTime(now, _nextDue) + NextJitter();
            timer = _timer;

            if (InFlightLocked)
            {
                missed = passedOver + 1;
                _catchUpPending |= _options.MissedTickPolicy == MissedTickPolicy.CatchUpOnce;
            }
            else
            {
                missed = passedOver;
                attempt = TryStartLocked();
            }

            _missed += missed;
        }

        if (timer is not null)
        {
            Arm(timer, dueIn);
        }

        Report(missed, attempt);
    }

    /// <summary>Measures and logs, outside the lock, what a tick or a catch-up run did.</summary>
    private void Report(long missed, StartAttempt attempt)
    {
        if (missed > 0)
        {
            _metrics.RecordSkip(_name, "missed", missed);
        }

        if (attempt.CpuSkip)
        {
            _metrics.RecordSkip(_name, "cpu");
            SchedulingLog.LoopSkippedForCpu(_logger, _name, _scheduler.CpuUtilization, _options.CpuBudgetPercent, _scheduler.LoopCpuLimit * 100);
        }

        if (attempt.Rejection != RejectionReason.None)
        {
            // Every rejected tick is measured, but only the first of a stretch is logged: a 100 ms loop under a
            // sustained overload would otherwise write ten warnings a second.
            _metrics.RecordSkip(_name, "rejected");
            if (attempt.FirstRejection)
            {
                SchedulingLog.LoopRejected(_logger, _name, attempt.Rejection);
            }
        }

        if (attempt.RecoveredAfter > 0)
        {
            SchedulingLog.LoopAcceptedAgain(_logger, _name, attempt.RecoveredAfter, attempt.RecoveredFrom);
        }
    }

    /// <summary>Critical loops are never skipped for CPU, as critical submissions are never shed.</summary>
    private bool WouldExceedCpuLimit() =>
        _options.Priority != WorkPriority.Critical && _scheduler.CpuUtilization + (_options.CpuBudgetPercent / 100) > _scheduler.LoopCpuLimit;

    /// <summary>
    /// Starts a run unless the CPU check skips it or the scheduler rejects it; ticks and catch-up runs both come here,
    /// so both are counted, measured and logged the same way.
    /// </summary>
    private StartAttempt TryStartLocked()
    {
        if (WouldExceedCpuLimit())
        {
            _cpuSkips++;
            return new StartAttempt(CpuSkip: true, RejectionReason.None, FirstRejection: false, RecoveredAfter: 0, RejectionReason.None);
        }

        var result = _scheduler.TrySchedule(_run, _options.Priority, _timeout, _stopToken);
        if (!result.IsQueued)
        {
            _rejected++;
            bool first = _rejectingFor != result.RejectionReason;
            _rejectingFor = result.RejectionReason;
            _rejectedInARow = first ? 1 : _rejectedInARow + 1;
            return new StartAttempt(CpuSkip: false, result.RejectionReason, first, RecoveredAfter: 0, RejectionReason.None);
        }

        var attempt = new StartAttempt(CpuSkip: false, RejectionReason.None, FirstRejection: false, _rejectedInARow, _rejectingFor);
        _rejectingFor = RejectionReason.None;
        _rejectedInARow = 0;
        _currentRun = result.Completion;
        _queued = result.Completion;

        // The run catches its handler's exceptions, so the submission faults only when the scheduler fails it without
        // (or instead of) the run's own ending; observe that here, or it would surface as an unobserved task exception.
        _ = result.Completion.ContinueWith(
            static (run, state) => ((LoopRunner)state!).OnSubmissionFaulted(run.Exception!.GetBaseException()),
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return attempt;
    }

    private void OnSubmissionFaulted(Exception error)
    {
        if (error is TimeoutException)
        {
            // The run ignored its token past the scheduler's grace period and the scheduler freed its worker. The run
            // goes on and stays in flight, so the loop cannot overlap it; it is counted (as failed) when it ends.
            SchedulingLog.LoopRunAbandoned(_logger, _name, _timeout ?? TimeSpan.Zero);
            return;
        }

        lock (_sync)
        {
            _failures++;
        }

        SchedulingLog.LoopFailed(_logger, _name, error);
    }

    private async ValueTask RunOnceAsync(CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        lock (_sync)
        {
            if (_hasStarted)
            {
                _gapTicks += start - _lastStartTimestamp;
                _gaps++;
            }

            _hasStarted = true;
            _queued = null;
            _running = true;
            _lastStartTimestamp = start;
            _lastStarted = _time.GetUtcNow();
            _runs++;
        }

        Exception? error = null;
        var cpuStart = ThreadCpuTime.Now();
        var pending = ValueTask.CompletedTask;
        try
        {
            pending = _handler(cancellationToken);
        }
#pragma warning disable CA1031 // A loop's exception is logged and counted; it must not stop the loop or the worker.
        catch (Exception exception)
        {
            error = exception;
        }

        var cpu = ThreadCpuTime.Now() - cpuStart;
        if (error is null)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                error = exception;
            }
        }
#pragma warning restore CA1031

        var duration = _time.GetElapsedTime(start);
        if (error is null && duration >= _timeout)
        {
            // It ignored its token (signalled at the timeout) and ended late: it still broke its timeout.
            error = new TimeoutException(string.Format(CultureInfo.InvariantCulture, "The run ended {0} after it started, past its {1} timeout, without observing its token.", duration, _timeout));
        }

        bool stoppedByShutdown = error is OperationCanceledException && _stopToken.IsCancellationRequested;
        bool failed = error is not null && !stoppedByShutdown;
        if (failed)
        {
            SchedulingLog.LoopFailed(_logger, _name, error!);
        }

        _metrics.RecordRun(_name, duration, cpu, failed);
        StartAttempt catchUp = default;
        lock (_sync)
        {
            _failures += failed ? 1 : 0;
            _durationTicks += duration.Ticks;
            _durations.Add(duration);
            _cpuTime += cpu;
            _running = false;
            _runEnded?.TrySetResult();
            _runEnded = null;
            if (_catchUpPending && !_stopped)
            {
                _catchUpPending = false;
                catchUp = TryStartLocked();
            }
        }

        Report(0, catchUp);
    }

    // Over the whole range in 64 bits: 32-bit ticks end at 214.7 s, which capped a longer jitter there.
    private TimeSpan NextJitter() =>
        _options.Jitter > TimeSpan.Zero ? TimeSpan.FromTicks(Random.Shared.NextInt64(_options.Jitter.Ticks)) : TimeSpan.Zero;

    private static void Arm(ITimer timer, TimeSpan dueIn)
    {
        try
        {
            timer.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Stopped between computing the next tick and arming it.
        }
    }
}

/// <summary>What one attempt to start a run did, reported outside the runner's lock.</summary>
/// <param name="CpuSkip">The CPU check skipped it.</param>
/// <param name="Rejection">Why the scheduler rejected it, or <see cref="RejectionReason.None"/>.</param>
/// <param name="FirstRejection">It is the first rejection of a stretch (or the reason changed), so it is logged.</param>
/// <param name="RecoveredAfter">It was accepted after this many rejections in a row (0: no stretch ended).</param>
/// <param name="RecoveredFrom">Why the stretch that just ended was rejected.</param>
internal readonly record struct StartAttempt(bool CpuSkip, RejectionReason Rejection, bool FirstRejection, long RecoveredAfter, RejectionReason RecoveredFrom);
