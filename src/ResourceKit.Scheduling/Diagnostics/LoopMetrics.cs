using System.Diagnostics.Metrics;

namespace ResourceKit.Scheduling;

/// <summary>The <see cref="AgentLoopScheduler"/>'s instruments on the <c>ResourceKit.Scheduling</c> meter.</summary>
internal sealed class LoopMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _skips;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _duration;
    private readonly Counter<double> _cpuTime;

    public LoopMetrics(IMeterFactory? meterFactory, AgentLoopScheduler loops)
    {
        _meter = SchedulingMeter.Create(meterFactory, out _ownsMeter);
        _runs = _meter.CreateCounter<long>("resourcekit.scheduling.loop.runs", "{run}", "Agent loop runs started.");
        _skips = _meter.CreateCounter<long>("resourcekit.scheduling.loop.skips", "{tick}", "Agent loop ticks that did not run, by reason.");
        _failures = _meter.CreateCounter<long>("resourcekit.scheduling.loop.failures", "{run}", "Agent loop runs that threw or timed out.");
        _duration = _meter.CreateHistogram<double>("resourcekit.scheduling.loop.duration", "s", "Agent loop run duration.");
        _cpuTime = _meter.CreateCounter<double>("resourcekit.scheduling.loop.cpu_time", "s", "Thread CPU time used by agent loop runs.");
        _meter.CreateObservableGauge("resourcekit.scheduling.loop.interval_adherence", () => ObserveAdherence(loops), "1", "Mean time between runs divided by the configured interval.");
    }

    public void RecordRun(string loop, TimeSpan duration, TimeSpan cpuTime, bool failed)
    {
        var tag = new KeyValuePair<string, object?>("loop", loop);
        _runs.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
        _cpuTime.Add(cpuTime.TotalSeconds, tag);
        if (failed)
        {
            _failures.Add(1, tag);
        }
    }

    public void RecordSkip(string loop, string reason, long count = 1) =>
        _skips.Add(count, new KeyValuePair<string, object?>("loop", loop), new KeyValuePair<string, object?>("reason", reason));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static IEnumerable<Measurement<double>> ObserveAdherence(AgentLoopScheduler loops)
    {
        foreach (var stats in loops.GetStatistics())
        {
            if (stats.IntervalAdherence is { } adherence)
            {
                yield return new Measurement<double>(adherence, new KeyValuePair<string, object?>("loop", stats.Name));
            }
        }
    }
}
