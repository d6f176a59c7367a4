using System.ComponentModel.DataAnnotations;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Hosting;

/// <summary>
/// The resources one component of the agent host may use (seed section 1.2): a memory pool between a minimum and a
/// maximum, a CPU priority and a CPU ceiling that caps the CPU budget of each of its loops.
/// </summary>
public sealed class ComponentAllocation
{
    /// <summary>Gets or sets the memory the component's pool keeps even under pressure, in megabytes.</summary>
    [Range(0, 1_048_576)]
    public int MinMemoryMb { get; set; }

    /// <summary>Gets or sets the most memory the component's pool may hold, in megabytes.</summary>
    [Range(1, 1_048_576)]
    public int MaxMemoryMb { get; set; } = 64;

    /// <summary>Gets or sets the component's CPU priority; memory pressure trims lower priorities first.</summary>
    /// <value>The default value is <see cref="WorkPriority.Normal"/>.</value>
    public WorkPriority Priority { get; set; } = WorkPriority.Normal;

    /// <summary>Gets or sets the CPU ceiling of the component, percent of the machine; each of its loops' CPU budgets is capped to it.</summary>
    [Range(0.1, 100)]
    public double MaxCpuPercent { get; set; } = 5;

    /// <summary>Gets the agent loops that belong to this component.</summary>
    public IList<string> Loops { get; } = [];

    internal static ComponentAllocation Create(int minMb, int maxMb, WorkPriority priority, double maxCpu, params string[] loops)
    {
        var allocation = new ComponentAllocation { MinMemoryMb = minMb, MaxMemoryMb = maxMb, Priority = priority, MaxCpuPercent = maxCpu };
        foreach (var loop in loops)
        {
            allocation.Loops.Add(loop);
        }

        return allocation;
    }
}
