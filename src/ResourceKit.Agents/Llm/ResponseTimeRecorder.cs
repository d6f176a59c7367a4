using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Llm;

/// <summary>
/// Keeps the durations of recent LLM provider calls and reports their 95th percentile, in seconds, as
/// <c>response_time</c> (component <see cref="ComponentNames.Llm"/>), so the seed's 2/5/10 s thresholds have a reading.
/// <see cref="ResponseTimeChatClient"/> records into it.
/// </summary>
/// <remarks>
/// Only calls recorded within <see cref="Window"/> count, at most the newest <see cref="MaxCalls"/> of them. The window is
/// measured with <see cref="TimeProvider.GetTimestamp"/>, not the wall clock, so a clock step (a manual change, an NTP
/// correction) neither keeps old calls counting nor drops recent ones. With none,
/// no reading is reported, so a host that makes no calls is neither scored nor alerted on stale durations. The 95th
/// percentile rather than the mean: one call in twenty taking ten seconds is what users notice, and a mean hides it.
/// </remarks>
public sealed class ResponseTimeRecorder : IHealthMetricSource
{
    /// <summary>The default window of calls that count: 5 minutes.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    /// <summary>The most calls kept; older ones are dropped first.</summary>
    public const int MaxCalls = 1024;

    private const double Percentile = 0.95;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly Queue<(long RecordedAt, double Seconds)> _calls = new();

    /// <summary>Initializes a new instance of the <see cref="ResponseTimeRecorder"/> class.</summary>
    /// <param name="timeProvider">The time provider; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="window">How long a call counts after it is recorded; <see cref="DefaultWindow"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    public ResponseTimeRecorder(TimeProvider? timeProvider = null, TimeSpan? window = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        Window = window ?? DefaultWindow;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Window, TimeSpan.Zero, nameof(window));
    }

    /// <summary>Gets how long a call counts after it is recorded.</summary>
    public TimeSpan Window { get; }

    /// <summary>Records a call that has just ended (for a stream, whose first update has just arrived).</summary>
    /// <param name="duration">How long the call took.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public void Record(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        lock (_gate)
        {
            // Stamped under the lock, so entries are queued in the order of their stamps and pruning can stop at the
            // first one still in the window.
            _calls.Enqueue((_timeProvider.GetTimestamp(), duration.TotalSeconds));
            while (_calls.Count > MaxCalls)
            {
                _calls.Dequeue();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var now = _timeProvider.GetTimestamp();
        double[] seconds;
        lock (_gate)
        {
            while (_calls.Count > 0 && _timeProvider.GetElapsedTime(_calls.Peek().RecordedAt, now) > Window)
            {
                _calls.Dequeue();
            }

            seconds = [.. _calls.Select(c => c.Seconds)];
        }

        if (seconds.Length > 0)
        {
            Array.Sort(seconds);

            // Nearest rank: the smallest duration that at least 95 % of the calls did not exceed.
            var rank = (int)Math.Ceiling(Percentile * seconds.Length);
            readings.Add(new MetricReading(ComponentNames.Llm, MetricNames.ResponseTimeSeconds, seconds[rank - 1]));
        }

        return ValueTask.CompletedTask;
    }
}
