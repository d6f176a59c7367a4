using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Options of the <see cref="HealthMonitor"/>.</summary>
public sealed class HealthMonitorOptions
{
    /// <summary>The default sampling interval (seed: <c>MONITOR_INTERVAL=10</c>).</summary>
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default number of samples kept per metric (seed: <c>window_size = 60</c>).</summary>
    public const int DefaultHistoryLength = 60;

    /// <summary>The default number of alerts kept (seed: <c>deque(maxlen=1000)</c>).</summary>
    public const int DefaultAlertHistoryLength = 1000;

    /// <summary>The default interval after which an unchanged alert is raised again.</summary>
    public static readonly TimeSpan DefaultRepeatAlertInterval = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how often the hosted monitor samples when it runs on its own timer.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan SampleInterval { get; set; } = DefaultSampleInterval;

    /// <summary>Gets or sets a value indicating whether the monitor samples on its own timer; turn it off when a loop drives <see cref="HealthMonitor.SampleAsync"/>.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool SampleOnTimer { get; set; } = true;

    /// <summary>Gets or sets how many samples are kept per metric.</summary>
    /// <value>The default value is 60.</value>
    [Range(1, 100_000)]
    public int HistoryLength { get; set; } = DefaultHistoryLength;

    /// <summary>Gets or sets how many alerts are kept in the alert history.</summary>
    /// <value>The default value is 1000.</value>
    [Range(1, 1_000_000)]
    public int AlertHistoryLength { get; set; } = DefaultAlertHistoryLength;

    /// <summary>
    /// Gets or sets after how long a metric that stays above a threshold raises its alert again. Alerts are raised
    /// when a metric's level changes, not on every sample, so a sustained problem does not flood the sinks.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan RepeatAlertInterval { get; set; } = DefaultRepeatAlertInterval;

    /// <summary>Gets or sets the path of a JSON-lines file every alert is appended to, or <see langword="null"/> for none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? AlertFilePath { get; set; }

    /// <summary>
    /// Gets the thresholds by metric name. The defaults are the seed's: CPU and memory 70/85/95 %, disk 80/90/95 %,
    /// hourly spend $4/4.5/5, daily spend $40/45/50, response time 2/5/10 s, GC pause 1/3/5 % of wall time, a
    /// cache hit ratio below 0.6/0.5/0.4, and 1/2/3 stalled agent loops.
    /// </summary>
    /// <remarks>
    /// The host's built-in sources report CPU, memory, GC pause, disk (the file system of the disk cache's folder),
    /// spend, cache hit ratio and stalled loops, and <c>response_time</c>: the 95th percentile of recent LLM provider
    /// calls, which <see cref="Llm.ResponseTimeRecorder"/> reports once the chat pipeline (or the host) records calls.
    /// </remarks>
    public Dictionary<string, MetricThreshold> Thresholds { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [MetricNames.CpuPercent] = MetricThreshold.Above(70, 85, 95),
        [MetricNames.MemoryPercent] = MetricThreshold.Above(70, 85, 95),
        [MetricNames.DiskPercent] = MetricThreshold.Above(80, 90, 95),
        [MetricNames.ApiCostHourly] = MetricThreshold.Above(4, 4.5, 5),
        [MetricNames.ApiCostDaily] = MetricThreshold.Above(40, 45, 50),
        [MetricNames.ResponseTimeSeconds] = MetricThreshold.Above(2, 5, 10),
        [MetricNames.GcPausePercent] = MetricThreshold.Above(1, 3, 5),
        [MetricNames.CacheHitRatio] = MetricThreshold.Below(0.6, 0.5, 0.4),
        [MetricNames.StalledLoops] = MetricThreshold.Above(1, 2, 3),
    };
}
