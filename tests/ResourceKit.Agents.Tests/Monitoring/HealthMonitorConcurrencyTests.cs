using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Monitoring;

public sealed class HealthMonitorConcurrencyTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    // Flows from a sampling caller into the delivery it runs, and so into the sinks it publishes to.
    private static readonly AsyncLocal<string?> Caller = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task SampleAsync_SecondSampleStartsWhileFirstIsCollecting_ReadingsAreRecordedInTheOrderTaken()
    {
        // The first sample reads 97 % CPU, then waits on a slow source; the second reads 20 % meanwhile. The older 97 %
        // must not be recorded over the newer 20 %.
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        var slow = new GatedSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu, slow], timeProvider: _time);

        var first = monitor.SampleAsync().AsTask();
        await slow.Entered.WaitAsync(Guard);
        var second = monitor.SampleAsync().AsTask();
        slow.Release();
        await Task.WhenAll(first, second).WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 97, 20 }));
            Assert.That(monitor.Latest!.Readings.Single(r => r.Metric == MetricNames.CpuPercent).Value, Is.EqualTo(20), "the latest snapshot is the newer sample's");
            Assert.That(monitor.GetAlerts().Select(a => a.Level), Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "the host is reported recovered, not in an emergency");
        });
    }

    [Test]
    public async Task SampleAsync_CancelledWhileWaitingForAnotherSample_ThrowsAndLeavesTheOtherToFinish()
    {
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 50, 60, 70);
        var slow = new GatedSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu, slow], timeProvider: _time);
        using var cancellation = new CancellationTokenSource();

        var first = monitor.SampleAsync().AsTask();
        await slow.Entered.WaitAsync(Guard);
        var waiting = monitor.SampleAsync(cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        Assert.That(async () => await waiting.WaitAsync(Guard), Throws.InstanceOf<OperationCanceledException>());
        slow.Release();
        await first.WaitAsync(Guard);
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);
        Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 50, 60 }));
    }

    [Test]
    public async Task SampleAsync_CalledByASinkReceivingAnAlert_DoesNotWaitForItself()
    {
        // A pager sink that takes a fresh sample when it hears of an emergency, to attach the latest readings.
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        HealthMonitor? monitor = null;
        HealthSnapshot? fromSink = null;
        var received = new List<AlertLevel>();
        var sink = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            if (alert.Level == AlertLevel.Emergency)
            {
                fromSink = await monitor!.SampleAsync(cancellationToken);
            }

            lock (received)
            {
                received.Add(alert.Level);
            }
        });
        monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], [sink], _time);

        await monitor.SampleAsync().AsTask().WaitAsync(Guard);
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(fromSink!.Readings.Single().Value, Is.EqualTo(20));
            Assert.That(received, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "the sink's own sample's alert comes after the one it was handling");
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 97, 20, 20 }), "a later sample is not held up");
            Assert.That(monitor.GetAlerts().Select(a => a.Level), Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }));
        });
    }

    [Test]
    public async Task SampleAsync_CalledSynchronouslyByAnAlertSubscriber_DoesNotWaitForItself()
    {
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], timeProvider: _time);
        HealthSnapshot? fromHandler = null;
        var raised = new List<AlertLevel>();
        monitor.AlertRaised += (_, alert) =>
        {
            if (alert.Level == AlertLevel.Emergency)
            {
                // AlertRaised is a synchronous event: a subscriber that needs a sample blocks for it.
                fromHandler = monitor.SampleAsync().AsTask().GetAwaiter().GetResult();
            }

            lock (raised)
            {
                raised.Add(alert.Level);
            }
        };

        // On its own thread, so that a subscriber blocked for good fails the test at the guard instead of hanging it.
        await Task.Run(async () => await monitor.SampleAsync()).WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(fromHandler!.Readings.Single().Value, Is.EqualTo(20));
            Assert.That(raised, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }));
        });
    }

    [Test]
    public async Task SampleAsync_CalledByASourceWhileItCollects_ThrowsInsteadOfWaitingForever()
    {
        var source = new SamplingSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);
        source.Monitor = monitor;

        var snapshot = await monitor.SampleAsync().AsTask().WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(source.Caught, Is.InstanceOf<InvalidOperationException>());
            Assert.That(source.Caught!.Message, Does.Contain("metric source"));
            Assert.That(snapshot.Readings.Single().Value, Is.EqualTo(50), "the sample itself goes on");
        });
    }

    [Test]
    public async Task SampleAsync_SinkStillDeliveringAnEarlierAlert_NextSampleRecordsButDeliversInOrder()
    {
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        var sink = new GatedSink();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], [sink], _time);

        var first = monitor.SampleAsync().AsTask();
        await sink.Entered.WaitAsync(Guard);
        var second = monitor.SampleAsync().AsTask();
        var receivedWhileHeld = sink.Received;
        var historyWhileHeld = monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value).ToArray();
        var secondDoneWhileHeld = second.IsCompleted;
        sink.Release();
        await Task.WhenAll(first, second).WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(receivedWhileHeld, Is.EqualTo(new[] { AlertLevel.Emergency }), "the recovery is not delivered while the emergency is");
            Assert.That(secondDoneWhileHeld, Is.False, "a sample returns once its alerts are delivered");
            Assert.That(historyWhileHeld, Is.EqualTo(new double[] { 97, 20 }), "a slow sink does not hold up the next sample's readings");
            Assert.That(sink.Received, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }));
        });
    }

    [Test]
    public async Task SampleAsync_DeliveryCancelled_AlertsLeftAreDeliveredWithTheNextSample()
    {
        var source = new HealthMonitorTests.SettableSource();
        source.Set("system", MetricNames.CpuPercent, 97);
        source.Set("system", MetricNames.MemoryPercent, 97);
        using var cancellation = new CancellationTokenSource();
        var received = new List<string>();
        var sink = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            received.Add(alert.Metric);
            if (received.Count == 1)
            {
                await cancellation.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
        });
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], [sink], _time);

        Assert.That(async () => await monitor.SampleAsync(cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        var afterCancel = received.ToArray();
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(afterCancel, Has.Length.EqualTo(1));
            Assert.That(received, Is.EquivalentTo(new[] { MetricNames.CpuPercent, MetricNames.MemoryPercent }), "the second emergency is not lost");
        });
    }

    [Test]
    public async Task SampleAsync_DelivererCancelledWhileASinkPublishesAnotherCallersAlert_AlertStillReachesEverySinkInOrder()
    {
        // A health check with a short timeout delivers; the timer's sample queues the recovery behind it and waits. The
        // check's timeout fires while the first pager publishes the recovery: the second pager must still get it, before
        // the timer's sample returns.
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        using var healthCheck = new CancellationTokenSource();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstPager = new List<AlertLevel>();
        var secondPager = new List<AlertLevel>();
        var pager1 = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            lock (firstPager)
            {
                firstPager.Add(alert.Level);
            }

            if (alert.Level == AlertLevel.Emergency)
            {
                heldEntered.TrySetResult();
                await held.Task;
            }
            else
            {
                // A sink that heeds the token it is given, as an HTTP pager does.
                await healthCheck.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
        });
        var pager2 = new CallbackAlertSink(alert =>
        {
            lock (secondPager)
            {
                secondPager.Add(alert.Level);
            }
        });
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], [pager1, pager2], _time);

        var delivering = monitor.SampleAsync(healthCheck.Token).AsTask();
        await heldEntered.Task.WaitAsync(Guard);
        var waiting = monitor.SampleAsync().AsTask();
        var waitingDoneWhileHeld = waiting.IsCompleted;
        held.TrySetResult();
        await waiting.WaitAsync(Guard);
        AlertLevel[] secondPagerWhenWaitingReturned;
        lock (secondPager)
        {
            secondPagerWhenWaitingReturned = [.. secondPager];
        }

        Assert.Multiple(() =>
        {
            Assert.That(waitingDoneWhileHeld, Is.False, "the arrangement: the recovery waits behind the emergency");
            Assert.That(healthCheck.IsCancellationRequested, Is.True, "the arrangement: the deliverer was cancelled");
            Assert.That(secondPagerWhenWaitingReturned, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "the recovery reaches the second pager before the sample that raised it returns");
            Assert.That(firstPager, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }));
            Assert.That(async () => await delivering.WaitAsync(Guard), Throws.Nothing, "the cancelled deliverer's own alert was delivered");
        });
    }

    [Test]
    public async Task SampleAsync_DelivererCancelledWhileASinkSamples_SinksStillGetTheAlertsOfThatSample()
    {
        // A health check with a short timeout delivers the emergency; the first pager takes a fresh reading, which
        // recovers, and the check's timeout fires meanwhile. The pager's sample returned counting on that delivery, so
        // both pagers must get the recovery, in order, without another sample (from the background drain).
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 20);
        using var healthCheck = new CancellationTokenSource();
        var recoveryReachedSecondPager = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HealthMonitor? monitor = null;
        HealthSnapshot? fromPager = null;
        var firstPager = new List<AlertLevel>();
        var secondPager = new List<AlertLevel>();
        var pager1 = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            lock (firstPager)
            {
                firstPager.Add(alert.Level);
            }

            if (alert.Level == AlertLevel.Emergency)
            {
                await healthCheck.CancelAsync();
                fromPager = await monitor!.SampleAsync(cancellationToken);
            }
        });
        var pager2 = new CallbackAlertSink(alert =>
        {
            lock (secondPager)
            {
                secondPager.Add(alert.Level);
            }

            if (alert.Level == AlertLevel.Info)
            {
                recoveryReachedSecondPager.TrySetResult();
            }
        });
        monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], [pager1, pager2], _time);

        var delivering = monitor.SampleAsync(healthCheck.Token).AsTask();
        Assert.That(async () => await delivering.WaitAsync(Guard), Throws.Nothing, "the cancelled deliverer's own alert was delivered");
        await recoveryReachedSecondPager.Task.WaitAsync(Guard);
        AlertLevel[] first, second;
        lock (firstPager)
        {
            first = [.. firstPager];
        }

        lock (secondPager)
        {
            second = [.. secondPager];
        }

        Assert.Multiple(() =>
        {
            Assert.That(healthCheck.IsCancellationRequested, Is.True, "the arrangement: the deliverer was cancelled");
            Assert.That(fromPager!.Readings.Single().Value, Is.EqualTo(20), "the arrangement: the pager's sample read the recovery");
            Assert.That(second, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "the pager's recovery reaches the second pager");
            Assert.That(first, Is.EqualTo(new[] { AlertLevel.Emergency, AlertLevel.Info }), "and the first, after the emergency");
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent).Select(p => p.Value), Is.EqualTo(new double[] { 97, 20 }), "no further sample was taken");
        });
    }

    [Test]
    public async Task SampleAsync_DelivererCancelledAndASinkSampleRaisesNothing_WaitingCallerDeliversItsOwnAlerts()
    {
        // A health check with a short timeout delivers the emergency; a timer's sample queues the recovery meanwhile and
        // waits for the gate. The pager times the check out and takes a fresh reading, which raises nothing new. The
        // check must stop after its own alert, with nothing left to a background delivery: the timer delivers its
        // recovery itself, and a later sample its own emergency (a needless background delivery, taking its turn when
        // the check stops, would get there first).
        var source = new HealthMonitorTests.SettableSource();
        source.Set("system", MetricNames.CpuPercent, 97);
        using var healthCheck = new CancellationTokenSource();
        using var timerCancellation = new CancellationTokenSource();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recoveryHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recoveryEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        HealthMonitor? monitor = null;
        var deliveredBy = new List<string>();
        var pager = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            bool first;
            lock (deliveredBy)
            {
                deliveredBy.Add($"{alert.Level} by {Caller.Value ?? "background"}");
                first = deliveredBy.Count == 1;
            }

            if (first)
            {
                heldEntered.TrySetResult();
                await held.Task;
                await healthCheck.CancelAsync();
                await monitor!.SampleAsync(cancellationToken);
            }
            else if (alert.Level == AlertLevel.Info)
            {
                recoveryEntered.TrySetResult();
                await recoveryHeld.Task;
            }
        });
        monitor = new HealthMonitor(new HealthMonitorOptions(), [source], [pager], _time);

        var check = SampleAsAsync(monitor, "check", healthCheck.Token);
        await heldEntered.Task.WaitAsync(Guard);
        source.Set("system", MetricNames.CpuPercent, 20);
        var timer = SampleAsAsync(monitor, "timer", timerCancellation.Token);
        var queuedBeforeRelease = monitor.GetAlerts().Count;
        held.TrySetResult();
        await recoveryEntered.Task.WaitAsync(Guard);
        var alertsAfterPagerSample = monitor.GetAlerts().Count;
        Assert.That(async () => await check.WaitAsync(Guard), Throws.Nothing, "the check's own alert was delivered");

        // The timer gives up after its recovery; a later sample's emergency waits for the gate behind it.
        await timerCancellation.CancelAsync();
        source.Set("system", MetricNames.CpuPercent, 97);
        var later = SampleAsAsync(monitor, "later", CancellationToken.None);
        recoveryHeld.TrySetResult();
        await timer.WaitAsync(Guard);
        await later.WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(queuedBeforeRelease, Is.EqualTo(2), "the arrangement: the recovery was queued by the timer");
            Assert.That(alertsAfterPagerSample, Is.EqualTo(2), "the arrangement: the pager's sample raised nothing");
            Assert.That(deliveredBy, Is.EqualTo(new[] { "Emergency by check", "Info by timer", "Emergency by later" }));
        });
    }

    [Test]
    public async Task SampleAsync_DelivererCancelledWhileASinkStartedPollerKeepsRaisingAlerts_ReturnsAndADrainDeliversThem()
    {
        // The pager starts a poller when it hears of the emergency and times the health check out. The poller samples
        // once per tick (a timer fires whether or not the last sample returned), and the pager is slow: each alert it
        // publishes lasts a tick. Each poll raises an alert; the first lands inside the check's delivery. The check must
        // return after its own alert, not deliver the poller's for as long as it keeps polling; a background drain
        // delivers them to every sink, in order.
        var cpu = new SequenceSource("system", MetricNames.CpuPercent, 97, 80, 97, 80, 97, 80, 97, 80, 20);
        const int Polls = 8;
        using var healthCheck = new CancellationTokenSource();
        using var tick = new SemaphoreSlim(0);
        using var polled = new SemaphoreSlim(0);
        var ticksLeft = Polls;
        HealthMonitor? monitor = null;
        Task<List<Task<HealthSnapshot>>>? poller = null;
        var firstPager = new List<string>();
        var secondPager = new List<AlertLevel>();
        var recoveryReachedSecondPager = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pager1 = new CallbackAlertSink(async (alert, cancellationToken) =>
        {
            lock (firstPager)
            {
                firstPager.Add($"{alert.Level} by {Caller.Value ?? "drain"}");
            }

            if (poller is null)
            {
                poller = Task.Run(async () =>
                {
                    var polls = new List<Task<HealthSnapshot>>();
                    for (var i = 0; i < Polls; i++)
                    {
                        await tick.WaitAsync();
                        polls.Add(monitor!.SampleAsync().AsTask());
                        polled.Release();
                    }

                    return polls;
                });
                await healthCheck.CancelAsync();
            }

            if (Interlocked.Decrement(ref ticksLeft) >= 0)
            {
                tick.Release();
                await polled.WaitAsync(cancellationToken);
            }
        });
        var pager2 = new CallbackAlertSink(alert =>
        {
            lock (secondPager)
            {
                secondPager.Add(alert.Level);
            }

            if (alert.Level == AlertLevel.Info)
            {
                recoveryReachedSecondPager.TrySetResult();
            }
        });
        monitor = new HealthMonitor(new HealthMonitorOptions(), [cpu], [pager1, pager2], _time);

        var check = SampleAsAsync(monitor, "check", healthCheck.Token);
        Assert.That(async () => await check.WaitAsync(Guard), Throws.Nothing, "the check's own alert was delivered");
        await recoveryReachedSecondPager.Task.WaitAsync(Guard);
        await Task.WhenAll(await poller!.WaitAsync(Guard)).WaitAsync(Guard);

        var levels = new[] { "Emergency", "Warning", "Emergency", "Warning", "Emergency", "Warning", "Emergency", "Warning", "Info" };
        string[] first;
        lock (firstPager)
        {
            first = [.. firstPager];
        }

        Assert.Multiple(() =>
        {
            Assert.That(healthCheck.IsCancellationRequested, Is.True, "the arrangement: the check was cancelled");
            Assert.That(first.Count(d => d.EndsWith(" by check", StringComparison.Ordinal)), Is.EqualTo(1), "the check published only its own alert");
            Assert.That(first.Select(d => d[..d.IndexOf(' ', StringComparison.Ordinal)]), Is.EqualTo(levels), "the first pager got every poll's alert, in order");
            Assert.That(secondPager.Select(l => l.ToString()), Is.EqualTo(levels), "and the second");
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent), Has.Count.EqualTo(Polls + 1), "no other sample was taken");
        });
    }

    [Test]
    public async Task SampleAsync_FromWorkASinkStartedOnceThatDeliveryIsOver_WaitsForItsAlertsWhileAnotherDeliveryRuns()
    {
        // A pager sink starts a timer when it hears of the CPU emergency; the timer samples minutes later, while the
        // memory emergency is being delivered. The timer runs in the execution context captured when it was started,
        // which the test captures and runs the callback in, as Task.Run and System.Threading.Timer do.
        var source = new HealthMonitorTests.SettableSource();
        source.Set("system", MetricNames.CpuPercent, 97);
        ExecutionContext? startedInSink = null;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new List<string>();
        var sink = new CallbackAlertSink(async (alert, _) =>
        {
            lock (received)
            {
                received.Add($"{alert.Metric} {alert.Level}");
            }

            if (alert.Metric == MetricNames.CpuPercent && alert.Level == AlertLevel.Emergency)
            {
                startedInSink = ExecutionContext.Capture();
            }
            else if (alert.Metric == MetricNames.MemoryPercent)
            {
                heldEntered.TrySetResult();
                await held.Task;
            }
        });
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], [sink], _time);
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);
        source.Set("system", MetricNames.MemoryPercent, 97);
        var other = monitor.SampleAsync().AsTask();
        await heldEntered.Task.WaitAsync(Guard);

        source.Set("system", MetricNames.CpuPercent, 20);
        Task<HealthSnapshot>? fromTimer = null;
        ExecutionContext.Run(startedInSink!, _ => fromTimer = monitor.SampleAsync().AsTask(), null);
        var doneWhileHeld = fromTimer!.IsCompleted;
        held.TrySetResult();
        await fromTimer!.WaitAsync(Guard);
        string[] receivedWhenTimerReturned;
        lock (received)
        {
            receivedWhenTimerReturned = [.. received];
        }

        await other.WaitAsync(Guard);
        Assert.Multiple(() =>
        {
            Assert.That(doneWhileHeld, Is.False, "a sample from outside the delivery returns once its alerts are delivered");
            Assert.That(
                receivedWhenTimerReturned,
                Is.EqualTo(new[] { $"{MetricNames.CpuPercent} Emergency", $"{MetricNames.MemoryPercent} Emergency", $"{MetricNames.CpuPercent} Info" }));
        });
    }

    [Test]
    public async Task SampleAsync_FromAPollerASourceStartedOnceThatCollectionIsOver_SamplesInsteadOfThrowing()
    {
        // The source starts a poller while it collects (captured here as Task.Run or a timer would); the poller samples
        // after that collection has ended, and is an ordinary caller.
        var source = new PollerStartingSource();
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [source], timeProvider: _time);
        await monitor.SampleAsync().AsTask().WaitAsync(Guard);

        Task<HealthSnapshot>? fromPoller = null;
        ExecutionContext.Run(source.StartedWhileCollecting!, _ => fromPoller = monitor.SampleAsync().AsTask(), null);
        var snapshot = await fromPoller!.WaitAsync(Guard);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Readings.Single().Value, Is.EqualTo(50));
            Assert.That(monitor.GetHistory("system", MetricNames.CpuPercent), Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task SampleAsync_ConcurrentSamplers_LoseNothing()
    {
        var source = new HealthMonitorTests.SettableSource();
        source.Set("system", "requests", 1);
        var monitor = new HealthMonitor(new HealthMonitorOptions { HistoryLength = 10_000 }, [source], timeProvider: _time);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await monitor.SampleAsync();
            }
        })));

        Assert.That(monitor.GetHistory("system", "requests"), Has.Count.EqualTo(1600));
    }

    /// <summary>Samples with <see cref="Caller"/> set to <paramref name="caller"/>, so sinks can tell whose delivery publishes.</summary>
    private static async Task<HealthSnapshot> SampleAsAsync(HealthMonitor monitor, string caller, CancellationToken cancellationToken)
    {
        Caller.Value = caller;
        return await monitor.SampleAsync(cancellationToken);
    }

    /// <summary>Reports the given values of one metric, one per collection, then the last again.</summary>
    private sealed class SequenceSource(string component, string metric, params double[] values) : IHealthMetricSource
    {
        private int _next;

        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            var index = Math.Min(Interlocked.Increment(ref _next) - 1, values.Length - 1);
            readings.Add(new MetricReading(component, metric, values[index]));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A source that samples its own monitor while it collects, and reports 50 % CPU.</summary>
    private sealed class SamplingSource : IHealthMetricSource
    {
        public HealthMonitor? Monitor { get; set; }

        public Exception? Caught { get; private set; }

        public async ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            try
            {
                await Monitor!.SampleAsync(cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                Caught = ex;
            }

            readings.Add(new MetricReading("system", MetricNames.CpuPercent, 50));
        }
    }

    /// <summary>A source that starts a poller (captures its execution context) on its first collection, and reports 50 % CPU.</summary>
    private sealed class PollerStartingSource : IHealthMetricSource
    {
        public ExecutionContext? StartedWhileCollecting { get; private set; }

        public ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            StartedWhileCollecting ??= ExecutionContext.Capture();
            readings.Add(new MetricReading("system", MetricNames.CpuPercent, 50));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A sink that notes each alert as it arrives; its first delivery waits until <see cref="Release"/>.</summary>
    private sealed class GatedSink : IAlertSink
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<AlertLevel> _received = [];

        public Task Entered => _entered.Task;

        public AlertLevel[] Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Release() => _release.TrySetResult();

        public async ValueTask PublishAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            bool first;
            lock (_received)
            {
                _received.Add(alert.Level);
                first = _received.Count == 1;
            }

            if (first)
            {
                _entered.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }
        }
    }

    /// <summary>A source whose first collection waits until <see cref="Release"/>; later ones complete at once.</summary>
    private sealed class GatedSource : IHealthMetricSource
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public Task Entered => _entered.Task;

        public void Release() => _release.TrySetResult();

        public async ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                _entered.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }
        }
    }
}
