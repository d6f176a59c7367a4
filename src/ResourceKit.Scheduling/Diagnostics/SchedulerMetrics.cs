using System.Diagnostics.Metrics;

namespace ResourceKit.Scheduling;

/// <summary>The <see cref="PriorityScheduler"/>'s instruments on the <c>ResourceKit.Scheduling</c> meter.</summary>
internal sealed class SchedulerMetrics : IDisposable
{
    private static readonly string[] OutcomeNames = ["succeeded", "faulted", "canceled", "timed_out"];
    private static readonly string[] ReasonNames = ["none", "cpu_overload", "queue_full", "shutting_down"];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _queueWait;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _items;

    public SchedulerMetrics(IMeterFactory? meterFactory, PriorityScheduler scheduler)
    {
        _meter = SchedulingMeter.Create(meterFactory, out _ownsMeter);
        _queueWait = _meter.CreateHistogram<double>("resourcekit.scheduling.queue.wait", "s", "Time work waited in its queue before a worker took it.");
        _rejections = _meter.CreateCounter<long>("resourcekit.scheduling.rejections", "{item}", "Submissions rejected, by priority and reason.");
        _items = _meter.CreateCounter<long>("resourcekit.scheduling.items", "{item}", "Work items finished, by priority and outcome.");
        _meter.CreateObservableGauge("resourcekit.scheduling.queue.length", () => ObserveQueueLengths(scheduler), "{item}", "Items waiting per priority level.");
        _meter.CreateObservableGauge("resourcekit.scheduling.workers.active", () => scheduler.ActiveWorkers, "{worker}", "Workers running or looking for work.");
        _meter.CreateObservableGauge("resourcekit.scheduling.cpu.utilization", () => scheduler.CpuUtilization, "1", "Process CPU utilization, 0–1 of the machine.");
    }

    public bool QueueWaitEnabled => _queueWait.Enabled;

    public void RecordQueueWait(WorkPriority priority, TimeSpan wait) => _queueWait.Record(wait.TotalSeconds, SchedulingMeter.PriorityTag(priority));

    public void RecordRejection(WorkPriority priority, RejectionReason reason)
    {
        if (_rejections.Enabled)
        {
            _rejections.Add(1, SchedulingMeter.PriorityTag(priority), new KeyValuePair<string, object?>("reason", ReasonNames[(int)reason]));
        }
    }

    public void RecordOutcome(WorkPriority priority, WorkOutcome outcome)
    {
        if (_items.Enabled)
        {
            _items.Add(1, SchedulingMeter.PriorityTag(priority), new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome]));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static Measurement<int>[] ObserveQueueLengths(PriorityScheduler scheduler)
    {
        var levels = scheduler.GetStatistics().Levels;
        var measurements = new Measurement<int>[levels.Count];
        for (int i = 0; i < levels.Count; i++)
        {
            measurements[i] = new Measurement<int>(levels[i].QueueLength, SchedulingMeter.PriorityTag(levels[i].Priority));
        }

        return measurements;
    }
}
