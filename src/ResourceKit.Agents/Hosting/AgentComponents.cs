using Microsoft.Extensions.Options;
using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Hosting;

/// <summary>
/// The host's components with their budgeted memory pools, built from the allocation table. Components keep their
/// working data (mail bodies, page snapshots, audio) in their pool, so each stays within its maximum, and memory
/// pressure trims the least important components first.
/// </summary>
public sealed class AgentComponents
{
    private readonly Dictionary<string, BudgetedMemoryPool> _pools;
    private readonly Dictionary<string, string> _componentOfLoop;

    /// <summary>Initializes a new instance of the <see cref="AgentComponents"/> class.</summary>
    /// <param name="options">The host options.</param>
    /// <param name="timeProvider">The time provider.</param>
    public AgentComponents(IOptions<AgentHostOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        Allocations = options.Value.Components;
        _pools = Allocations.ToDictionary(
            kv => kv.Key,
            kv => new BudgetedMemoryPool(
                new BudgetedMemoryPoolOptions
                {
                    Name = kv.Key,
                    MinBytes = kv.Value.MinMemoryMb * 1024L * 1024,
                    MaxBytes = kv.Value.MaxMemoryMb * 1024L * 1024,
                    CompressLargeEntries = true,
                    Priority = ReclaimOrder(kv.Value.Priority),
                },
                timeProvider),
            StringComparer.OrdinalIgnoreCase);
        _componentOfLoop = Allocations
            .SelectMany(kv => kv.Value.Loops.Select(loop => (loop, component: kv.Key)))
            .ToDictionary(x => x.loop, x => x.component, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets the allocation table.</summary>
    public IReadOnlyDictionary<string, ComponentAllocation> Allocations { get; }

    /// <summary>Gets every component's pool.</summary>
    public IEnumerable<BudgetedMemoryPool> Pools => _pools.Values;

    /// <summary>Gets the memory pool of a component.</summary>
    /// <param name="component">The component name.</param>
    /// <returns>The pool.</returns>
    /// <exception cref="KeyNotFoundException">No such component.</exception>
    public BudgetedMemoryPool PoolOf(string component) =>
        _pools.TryGetValue(component, out var pool) ? pool : throw new KeyNotFoundException($"No component named '{component}' in the allocation table.");

    /// <summary>Gets the component a loop belongs to, or <see langword="null"/> if the table does not assign it.</summary>
    /// <param name="loop">The loop name.</param>
    /// <returns>The component name.</returns>
    public string? ComponentOfLoop(string loop) => _componentOfLoop.GetValueOrDefault(loop);

    // Reclaimers run in ascending priority: background components give memory back first, critical ones last.
    private static int ReclaimOrder(WorkPriority priority) => 100 - ((int)priority * 10);
}
