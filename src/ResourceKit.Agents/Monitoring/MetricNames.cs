namespace ResourceKit.Agents.Monitoring;

/// <summary>Names of the metrics the Agents package collects and has default thresholds for.</summary>
public static class MetricNames
{
    /// <summary>Process CPU use, percent of the machine (0–100).</summary>
    public const string CpuPercent = "cpu_percent";

    /// <summary>Memory in use, percent of the memory available to the process (0–100).</summary>
    public const string MemoryPercent = "memory_percent";

    /// <summary>Disk space in use on the data volume, percent (0–100).</summary>
    public const string DiskPercent = "disk_percent";

    /// <summary>LLM spend in the current hour, in dollars.</summary>
    public const string ApiCostHourly = "api_cost_hourly";

    /// <summary>LLM spend in the current day, in dollars.</summary>
    public const string ApiCostDaily = "api_cost_daily";

    /// <summary>LLM response time, seconds: the 95th percentile of recent provider calls (<see cref="Llm.ResponseTimeRecorder"/>).</summary>
    public const string ResponseTimeSeconds = "response_time";

    /// <summary>GC pause time as a percentage of wall time over a recent window.</summary>
    public const string GcPausePercent = "gc_pause_percent";

    /// <summary>Cache hit ratio (0–1).</summary>
    public const string CacheHitRatio = "cache_hit_ratio";

    /// <summary>
    /// Agent loops whose run in flight has outlived its timeout without ending (<c>AgentLoopStatistics.IsStalled</c>):
    /// such a loop no longer runs, though its scheduler worker has been freed.
    /// </summary>
    public const string StalledLoops = "loop_stalled";
}
