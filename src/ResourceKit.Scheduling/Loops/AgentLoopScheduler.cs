using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResourceKit.Scheduling;

/// <summary>
/// Runs named periodic agent loops as jobs on a <see cref="PriorityScheduler"/>. Each loop ticks on a fixed grid from a
/// <see cref="TimeProvider"/> timer, never overlaps itself, follows its <see cref="MissedTickPolicy"/>, is skipped and
/// counted when its CPU budget would push utilization over the loop CPU limit, and survives its own exceptions.
/// </summary>
public sealed class AgentLoopScheduler : IAsyncDisposable, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LoopRunner> _loops = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<LoopRunner> _ordered = [];
    private readonly PriorityScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly LoopMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private bool _started;
    private bool _stopped;

    /// <summary>Initializes a new instance of the <see cref="AgentLoopScheduler"/> class.</summary>
    /// <param name="scheduler">The scheduler the loops run on; its clock and CPU reading are used for ticks and CPU checks.</param>
    /// <param name="logger">The logger, if any.</param>
    /// <param name="meterFactory">The meter factory, if any; otherwise this instance owns its meter.</param>
    public AgentLoopScheduler(PriorityScheduler scheduler, ILogger<AgentLoopScheduler>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new LoopMetrics(meterFactory, this);
    }

    /// <summary>Gets the names of the registered loops, in registration order.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate)
            {
                return _ordered.Select(loop => loop.GetStatistics().Name).ToArray();
            }
        }
    }

    /// <summary>Registers a loop. If the scheduler has started, the loop starts at once.</summary>
    /// <param name="name">The loop's unique name (case-insensitive).</param>
    /// <param name="options">How it is scheduled; copied, and validated with every error listed.</param>
    /// <param name="handler">One iteration of the loop.</param>
    /// <exception cref="ArgumentException">The name is empty or already registered, or the options are invalid.</exception>
    /// <exception cref="InvalidOperationException">The scheduler has been stopped.</exception>
    public void Add(string name, AgentLoopOptions options, Func<CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        var errors = new List<string>();
        OptionsValidation.Validate(name, options, string.Empty, errors);
        OptionsValidation.ThrowIfInvalid(errors, nameof(options));

        var runner = new LoopRunner(name, options.Clone(), handler, _scheduler, _logger, _metrics, _stopping.Token);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (!_loops.TryAdd(name, runner))
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "An agent loop named '{0}' is already registered; loop names must be unique.", name), nameof(name));
            }

            _ordered.Add(runner);
            if (_started)
            {
                runner.Start();
            }
        }
    }

    /// <summary>Registers a loop implemented by an <see cref="IAgentLoop"/>.</summary>
    /// <param name="name">The loop's unique name (case-insensitive).</param>
    /// <param name="options">How it is scheduled.</param>
    /// <param name="loop">The loop.</param>
    public void Add(string name, AgentLoopOptions options, IAgentLoop loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        Add(name, options, loop.ExecuteAsync);
    }

    /// <summary>Starts every enabled loop; the first tick of each comes one interval (plus jitter) from now. Repeat calls are harmless.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_started)
            {
                return;
            }

            _started = true;
            foreach (var runner in _ordered)
            {
                runner.Start();
            }
        }
    }

    /// <summary>
    /// Stops ticking, signals the loops' cancellation tokens, and waits up to <paramref name="gracePeriod"/> for runs in
    /// flight to end. Runs still queued are canceled without starting. It never waits longer than the grace period.
    /// </summary>
    /// <param name="gracePeriod">How long runs in flight may take to finish; at most about 49.7 days (0xFFFFFFFE ms).</param>
    /// <param name="cancellationToken">Ends the wait early.</param>
    /// <returns>A task that completes when the loops have stopped or the grace period has elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gracePeriod"/> is negative or longer than a timer can wait; nothing is stopped.</exception>
    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero);
        OptionsValidation.ThrowIfBeyondTimer(gracePeriod, nameof(gracePeriod));
        LoopRunner[] runners;
        lock (_gate)
        {
            _stopped = true;
            runners = [.. _ordered];
        }

        var inFlight = runners.Select(runner => runner.Stop()).Where(run => !run.IsCompleted).ToArray();
        if (inFlight.Length == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            return;
        }

        // The grace timer starts before anything yields, so a fake clock advanced right after this call drives it.
        using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(gracePeriod, _scheduler.TimeProvider, stopDelay.Token);
        await _stopping.CancelAsync().ConfigureAwait(false);

        // The runners hand back tasks that never fault (LoopRunner.Stop), so nothing here can go unobserved.
        var all = Task.WhenAll(inFlight);
        var first = await Task.WhenAny(all, delay).ConfigureAwait(false);
        await stopDelay.CancelAsync().ConfigureAwait(false);
        if (first != all)
        {
            SchedulingLog.LoopsDidNotDrain(_logger, gracePeriod);
        }
    }

    /// <summary>Takes a snapshot of every loop's statistics, in registration order.</summary>
    /// <returns>The snapshots.</returns>
    public IReadOnlyList<AgentLoopStatistics> GetStatistics()
    {
        lock (_gate)
        {
            return _ordered.Select(loop => loop.GetStatistics()).ToArray();
        }
    }

    /// <summary>Takes a snapshot of one loop's statistics.</summary>
    /// <param name="name">The loop's name.</param>
    /// <returns>The snapshot, or <see langword="null"/> when no loop has that name.</returns>
    public AgentLoopStatistics? GetStatistics(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return _loops.TryGetValue(name, out var runner) ? runner.GetStatistics() : null;
        }
    }

    /// <summary>Stops the loops with no grace period and releases the meter.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _metrics.Dispose();
    }

    /// <summary>Stops the loops without waiting for runs in flight (their tokens are signalled) and releases the meter.</summary>
    public void Dispose()
    {
        LoopRunner[] runners;
        lock (_gate)
        {
            _stopped = true;
            runners = [.. _ordered];
        }

        foreach (var runner in runners)
        {
            _ = runner.Stop();
        }

        _stopping.Cancel();
        _metrics.Dispose();
    }
}
