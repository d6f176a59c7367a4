using ResourceKit.Memory.Pressure;

namespace ResourceKit.Agents.Dashboard;

/// <summary>The process at a glance: CPU, memory, pressure and garbage collection.</summary>
/// <param name="CpuPercent">Process CPU use, percent of the machine, over the scheduler's last sampling window.</param>
/// <param name="MemoryUsedBytes">Memory in use by the measure the pressure monitor is configured with.</param>
/// <param name="MemoryLimitBytes">The memory limit the pressure levels are computed against.</param>
/// <param name="PressureLevel">The current memory pressure level.</param>
/// <param name="WorkingSetBytes">The process working set.</param>
/// <param name="PeakWorkingSetBytes">The highest working set of the process so far.</param>
/// <param name="GcPausePercent">GC pause time as a percentage of wall time since the host started.</param>
/// <param name="Gen0Collections">Generation-0 collections so far.</param>
/// <param name="Gen1Collections">Generation-1 collections so far.</param>
/// <param name="Gen2Collections">Generation-2 collections so far.</param>
/// <param name="Uptime">Time since the host started.</param>
public sealed record SystemOverview(
    double CpuPercent,
    long MemoryUsedBytes,
    long MemoryLimitBytes,
    MemoryPressureLevel PressureLevel,
    long WorkingSetBytes,
    long PeakWorkingSetBytes,
    double GcPausePercent,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    TimeSpan Uptime);
