using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ResourceKit.Agents.Monitoring;

/// <summary>
/// Samples the host's metrics, keeps a window of history per metric, raises alerts when a metric changes level,
/// and scores each component from 0 to 100 on seed 002's bands.
/// </summary>
/// <remarks>
/// Alerts fire on a change of level (and again after <see cref="HealthMonitorOptions.RepeatAlertInterval"/> while a
/// metric stays above a threshold), with an <see cref="AlertLevel.Info"/> alert when it recovers. Samples are taken one
/// at a time: a <see cref="SampleAsync"/> called while another is collecting waits for it, so readings are recorded in
/// the order they were taken. Alerts are delivered to <see cref="AlertRaised"/> and the sinks one at a time, in the order
/// they were raised, after the sample that raised them has let the next one start; so a sink or subscriber may itself
/// call <see cref="SampleAsync"/> (see there). Reads (<see cref="Latest"/>, <see cref="GetHistory"/>,
/// <see cref="GetAlerts"/>) take a short lock and never wait for a sample. A component is scored from the
/// readings of the sample alone: when a source fails, its metrics are left out of that sample's scores (the failure is
/// logged) rather than scored at their last values. Each <see cref="AlertRaised"/> subscriber and each sink is called
/// on its own, so one that throws does not keep an alert from the others.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The sample and delivery gates' only disposable resource is the wait handle SemaphoreSlim creates when AvailableWaitHandle is read, which this type never does; being disposable would make every caller dispose a monitor that holds nothing.")]
public sealed partial class HealthMonitor
{
    private readonly HealthMonitorOptions _options;
    private readonly IHealthMetricSource[] _sources;
    private readonly IAlertSink[] _sinks;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    // Serializes whole samples. Without it a sample that waited on a slow source recorded its older readings over a
    // newer sample's, replaced the newer snapshot and raised alerts out of order (an emergency after the recovery).
    private readonly SemaphoreSlim _sampleGate = new(1, 1);

    // Serializes delivery, which runs outside the sample gate: a sink or subscriber that samples (an alert that asks for
    // a fresh reading) would otherwise wait for the gate its own sample holds, and every later sample behind it. Alerts
    // wait in _pending in the order raised; whoever holds this gate delivers them, those queued meanwhile included.
    private readonly SemaphoreSlim _deliveryGate = new(1, 1);
    private readonly Queue<Alert> _pending = new();

    // Alerts ever queued and alerts delivered to every subscriber and sink (under _gate): a delivery cancelled after its
    // caller's alerts are through stops without failing that caller.
    private long _queued;
    private long _delivered;

    // The last alert queued by a sample inside a delivery (under _gate). Such a sample returns without waiting, so
    // nobody else will deliver its alerts: a delivery cancelled before this one is through hands the queue to a
    // background drain rather than leave it with nobody waiting, or deliver it on the cancelled caller, whom a sink that
    // keeps sampling inside the delivery (a poller) would otherwise hold for good.
    private long _insideThrough;

    // Markers of the collection and the delivery under way (under _gate), and the ones the current flow runs inside.
    // The flow's marker reaches the sources, sinks and subscribers and any work they start; comparing it with the active
    // one (not a flag) keeps a poller or timer they started, which carries it for good, from passing for one of them
    // once that collection or delivery is over.
    private readonly AsyncLocal<object?> _collection = new();
    private readonly AsyncLocal<object?> _delivery = new();
    private object? _activeCollection;
    private object? _activeDelivery;
    private readonly Dictionary<(string Component, string Metric), MetricState> _metrics = [];
    private readonly Queue<Alert> _alerts = new();
    private HealthSnapshot? _latest;

    /// <summary>Initializes a new instance of the <see cref="HealthMonitor"/> class.</summary>
    /// <param name="options">The options.</param>
    /// <param name="sources">Where readings come from.</param>
    /// <param name="sinks">Where alerts go, besides the alert history and <see cref="AlertRaised"/>.</param>
    /// <param name="timeProvider">The time provider; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    public HealthMonitor(
        HealthMonitorOptions options,
        IEnumerable<IHealthMetricSource> sources,
        IEnumerable<IAlertSink>? sinks = null,
        TimeProvider? timeProvider = null,
        ILogger<HealthMonitor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        var errors = HealthMonitorOptionsValidator.Errors(options).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _sources = [.. sources];
        _sinks = sinks is null ? [] : [.. sinks];
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Raised for every alert, after it is added to the history, in the order the alerts were raised; an alert may be
    /// raised from a later <see cref="SampleAsync"/> call than the one that took it, which delivers the alerts queued before
    /// its own.
    /// </summary>
    public event EventHandler<Alert>? AlertRaised;

    /// <summary>Gets the snapshot of the latest sample, or <see langword="null"/> before the first.</summary>
    public HealthSnapshot? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>
    /// Collects readings from every source, records them, raises alerts and scores the components, then delivers the
    /// alerts. A call made while another sample is collecting waits for that sample's readings to be recorded before it
    /// starts; it then returns once its own alerts (and any raised before them) are delivered.
    /// </summary>
    /// <remarks>
    /// A call made by an alert sink or an <see cref="AlertRaised"/> subscriber while it receives an alert (or by work it
    /// starts, while that delivery lasts) does not wait for delivery, which would wait for itself: it returns once its
    /// alerts are queued, and they are delivered right after the alert being delivered and any queued before them: by
    /// the call delivering it or, if that call is cancelled meanwhile, by a background delivery it starts (see
    /// <paramref name="cancellationToken"/>).
    /// A call made by a metric source while it collects for a sample (or by work it starts, while that collection lasts)
    /// throws <see cref="InvalidOperationException"/>, since that sample cannot end before the source returns. Once the
    /// delivery or collection is over, such work samples like any other caller.
    /// </remarks>
    /// <param name="cancellationToken">
    /// Cancels waiting for a sample in progress, collection, waiting for delivery, and delivering further alerts. It does
    /// not cancel an alert being published: an alert taken for delivery reaches every subscriber and sink (which receive
    /// <see cref="CancellationToken.None"/>), whichever call raised it, so a cancelled call may return only after the
    /// sinks finish that alert. A call cancelled while it delivers stops before the next alert. Those it leaves stay
    /// queued and are delivered, in order and once each, by a call waiting for delivery or with the next sample's;
    /// but if alerts raised by a sample taken inside its delivery (by a sink, a subscriber or work they started) are
    /// among them, nobody waits for those, so it hands them to a background delivery (not cancellable), which takes its
    /// turn behind the calls already waiting for delivery and then delivers everything still queued, in order, and
    /// returns without waiting for it. It then throws only if its own alerts (or ones raised before them) were among
    /// those left, and otherwise returns its snapshot.
    /// </param>
    /// <returns>The snapshot of this sample.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">
    /// Called by a metric source while it collects for a sample of this monitor (or by work it started, while that
    /// collection lasts).
    /// </exception>
    public async ValueTask<HealthSnapshot> SampleAsync(CancellationToken cancellationToken = default)
    {
        if (_collection.Value is { } collection && IsActiveCollection(collection))
        {
            throw new InvalidOperationException(
                "HealthMonitor.SampleAsync was called by a metric source while it collected readings for a sample of the same monitor. " +
                "That sample cannot finish before the source returns, so the call would wait forever; a source must not sample its own monitor.");
        }

        HealthSnapshot snapshot;
        long? deliverThrough;
        await _sampleGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (snapshot, deliverThrough) = await SampleOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sampleGate.Release();
        }

        if (deliverThrough is { } through)
        {
            await DeliverPendingAsync(through, cancellationToken).ConfigureAwait(false);
        }

        return snapshot;
    }

    private bool IsActiveCollection(object collection)
    {
        lock (_gate)
        {
            return ReferenceEquals(collection, _activeCollection);
        }
    }

    private async ValueTask<(HealthSnapshot Snapshot, long? DeliverThrough)> SampleOnceAsync(CancellationToken cancellationToken)
    {
        var readings = await CollectAsync(cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        List<Alert> raised = [];
        lock (_gate)
        {
            foreach (var reading in readings)
            {
                if (double.IsFinite(reading.Value))
                {
                    Record(reading, now, raised);
                }
            }

            var snapshot = Score(now, readings);
            _latest = snapshot;
            foreach (var alert in raised)
            {
                _alerts.Enqueue(alert);
                while (_alerts.Count > _options.AlertHistoryLength)
                {
                    _alerts.Dequeue();
                }

                _pending.Enqueue(alert);
                _queued++;
            }

            // A call from inside a delivery leaves its alerts to that delivery, which takes them before it stops.
            var insideDelivery = _delivery.Value is { } marker && ReferenceEquals(marker, _activeDelivery);
            // Only its own alerts: _queued also counts alerts of outside callers waiting for the delivery gate, which
            // they deliver themselves.
            if (insideDelivery && raised.Count > 0)
            {
                _insideThrough = _queued;
            }

            return (snapshot, _pending.Count > 0 && !insideDelivery ? _queued : null);
        }
    }

    private async ValueTask<List<MetricReading>> CollectAsync(CancellationToken cancellationToken)
    {
        // Flows into the sources only: set in this async method, it is undone for the caller when the method returns.
        var collection = new object();
        _collection.Value = collection;
        lock (_gate)
        {
            _activeCollection = collection;
        }

        try
        {
            var readings = new List<MetricReading>();
            foreach (var source in _sources)
            {
                try
                {
                    await source.CollectAsync(readings, cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing source must not stop monitoring of the others.
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    LogSourceFailed(_logger, source.GetType().Name, ex);
                }
            }

            return readings;
        }
        finally
        {
            lock (_gate)
            {
                _activeCollection = null;
            }
        }
    }

    private async ValueTask DeliverPendingAsync(long deliverThrough, CancellationToken cancellationToken)
    {
        await _deliveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        await DeliverHoldingGateAsync(deliverThrough, cancellationToken).ConfigureAwait(false);
    }

    // Delivers while holding the delivery gate, which it releases.
    private async ValueTask DeliverHoldingGateAsync(long deliverThrough, CancellationToken cancellationToken)
    {
        var drain = false;
        try
        {
            // Flows into the sinks and subscribers only (undone when this method returns), so a sample they take
            // leaves its alerts to this loop instead of waiting for the gate this loop holds.
            var delivery = new object();
            _delivery.Value = delivery;
            while (true)
            {
                Alert alert;
                lock (_gate)
                {
                    // The token is heeded only between alerts: an alert taken from the queue is published to every
                    // subscriber and sink, whoever's it is. A cancelled caller leaves the rest queued, for a caller
                    // waiting for this gate or the next sample, and fails only if its own alerts are among them; but
                    // alerts raised inside this delivery have nobody waiting for them, so they go to a drain.
                    if (_pending.Count == 0 || cancellationToken.IsCancellationRequested)
                    {
                        _activeDelivery = null;
                        drain = _pending.Count > 0 && _delivered < _insideThrough;
                        if (_delivered < deliverThrough)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                        }

                        return;
                    }

                    alert = _pending.Dequeue();
                    _activeDelivery = delivery;
                }

                await PublishAsync(alert).ConfigureAwait(false);
                lock (_gate)
                {
                    _delivered++;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _activeDelivery = null;
            }

            _deliveryGate.Release();
            if (drain)
            {
                StartDrain();
            }
        }
    }

    private void StartDrain()
    {
        // It takes its turn at the gate now, behind the callers already waiting and ahead of later ones, but delivers
        // on the thread pool, never on the cancelled caller. It is nobody's call, so that caller's ambient state (its
        // activity, logging scope) does not flow into it.
        using (ExecutionContext.SuppressFlow())
        {
            var turn = _deliveryGate.WaitAsync(CancellationToken.None);
            _ = Task.Run(() => DrainAsync(turn), CancellationToken.None);
        }
    }

    private async Task DrainAsync(Task turn)
    {
#pragma warning disable CA1031 // Nobody awaits the drain: a failure must be logged, not left to fault the task unobserved.
        try
        {
            await turn.ConfigureAwait(false);
            await DeliverHoldingGateAsync(0, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogDrainFailed(_logger, ex);
        }
#pragma warning restore CA1031
    }

    /// <summary>Returns the alert history, oldest first.</summary>
    /// <param name="minimumLevel">Only alerts at this level or above.</param>
    /// <returns>The alerts.</returns>
    public IReadOnlyList<Alert> GetAlerts(AlertLevel minimumLevel = AlertLevel.Info)
    {
        lock (_gate)
        {
            return [.. _alerts.Where(a => a.Level >= minimumLevel)];
        }
    }

    /// <summary>Returns the recorded history of one metric, oldest first.</summary>
    /// <param name="component">The component.</param>
    /// <param name="metric">The metric.</param>
    /// <returns>The history; empty when the metric was never seen.</returns>
    public IReadOnlyList<MetricPoint> GetHistory(string component, string metric)
    {
        lock (_gate)
        {
            return _metrics.TryGetValue((component, metric), out var state) ? [.. state.History] : [];
        }
    }

    private void Record(MetricReading reading, DateTimeOffset now, List<Alert> raised)
    {
        var key = (reading.Component, reading.Metric);
        if (!_metrics.TryGetValue(key, out var state))
        {
            state = new MetricState();
            _metrics[key] = state;
        }

        state.History.Enqueue(new MetricPoint(now, reading.Value));
        while (state.History.Count > _options.HistoryLength)
        {
            state.History.Dequeue();
        }

        state.Latest = reading.Value;
        state.LastSeen = now;
        if (!_options.Thresholds.TryGetValue(reading.Metric, out var threshold))
        {
            return;
        }

        var level = threshold.Classify(reading.Value);
        var changed = level != state.Level;
        var repeat = level is not null && now - state.LastAlert >= _options.RepeatAlertInterval;
        if (changed && level is null)
        {
            raised.Add(CreateAlert(AlertLevel.Info, reading, threshold.Warning, now, $"{reading.Component}/{reading.Metric} back to normal: {reading.Value:0.###}"));
            state.LastAlert = now;
        }
        else if (level is { } l && (changed || repeat))
        {
            raised.Add(CreateAlert(l, reading, threshold.ThresholdOf(l), now, $"{reading.Component}/{reading.Metric} at {l.ToString().ToUpperInvariant()} level: {reading.Value:0.###} (threshold {threshold.ThresholdOf(l):0.###})"));
            state.LastAlert = now;
        }

        state.Level = level;
    }

    private HealthSnapshot Score(DateTimeOffset now, List<MetricReading> readings)
    {
        var components = new List<ComponentHealth>();
        foreach (var group in _metrics.Where(kv => kv.Value.LastSeen == now).GroupBy(kv => kv.Key.Component, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double score = 100;
            string? worst = null;
            foreach (var (key, state) in group)
            {
                // Only this sample's readings count: a source that failed left its metrics at their last values, and
                // scoring those would keep a component failing (or healthy) for as long as the source stays down.
                if (state.LastSeen == now && _options.Thresholds.TryGetValue(key.Metric, out var threshold))
                {
                    var metricScore = threshold.Score(state.Latest);
                    if (worst is null || metricScore < score)
                    {
                        score = metricScore;
                        worst = key.Metric;
                    }
                }
            }

            score = Math.Round(score, 1);
            components.Add(new ComponentHealth(group.Key, score, HealthSnapshot.StatusOf(score), worst));
        }

        // The overall score averages the components, but one failing component keeps the host from reporting healthy.
        var overall = components.Count == 0 ? 100 : Math.Round(components.Average(c => c.Score), 1);
        var status = HealthSnapshot.StatusOf(overall);
        if (status == HealthStatus.Healthy && components.Any(c => c.Status != HealthStatus.Healthy))
        {
            status = HealthStatus.Degraded;
        }

        return new HealthSnapshot(now, overall, status, components, readings);
    }

    private async ValueTask PublishAsync(Alert alert)
    {
#pragma warning disable CA1031 // A failing subscriber or sink must not stop the others: a pager behind a broken dashboard still hears of an emergency.
        if (AlertRaised is { } handlers)
        {
            foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<Alert>>())
            {
                try
                {
                    handler(this, alert);
                }
                catch (Exception ex)
                {
                    LogSinkFailed(_logger, nameof(AlertRaised), ex);
                }
            }
        }

        foreach (var sink in _sinks)
        {
            // Not the delivering caller's token: it may be another caller's alert, and a caller that gives up must not
            // keep it from the sinks after this one (nor lose it once taken from the queue).
            try
            {
                await sink.PublishAsync(alert, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogSinkFailed(_logger, sink.GetType().Name, ex);
            }
        }
#pragma warning restore CA1031
    }

    private static Alert CreateAlert(AlertLevel level, MetricReading reading, double threshold, DateTimeOffset now, string message) =>
        new(level, reading.Component, reading.Metric, reading.Value, threshold, message, now);

    [LoggerMessage(1, LogLevel.Warning, "Health metric source {Source} failed; its readings are missing from this sample.")]
    private static partial void LogSourceFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Alert sink {Sink} failed to deliver an alert.")]
    private static partial void LogSinkFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Delivering alerts left by a cancelled delivery failed; they stay queued for the next sample.")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);

    private sealed class MetricState
    {
        public Queue<MetricPoint> History { get; } = new();

        public double Latest { get; set; }

        public AlertLevel? Level { get; set; }

        public DateTimeOffset LastAlert { get; set; } = DateTimeOffset.MinValue;

        /// <summary>Gets or sets the time of the sample that last reported the metric.</summary>
        public DateTimeOffset LastSeen { get; set; } = DateTimeOffset.MinValue;
    }
}
