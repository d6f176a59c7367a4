using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Health;
using ResourceKit.Memory.LazyComponents;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.DependencyInjection;

/// <summary>Everything <c>AddResourceKitMemory</c> configures; bind it from a configuration section such as <c>"ResourceKit:Memory"</c>.</summary>
public sealed class ResourceKitMemoryOptions
{
    /// <summary>Gets or sets the pressure monitor's thresholds, interval and reclamation settings.</summary>
    public MemoryPressureOptions Pressure { get; set; } = new();

    /// <summary>Gets or sets how pressure levels map to health statuses.</summary>
    public MemoryHealthOptions Health { get; set; } = new();

    /// <summary>Gets or sets the settings every object pool from the registered <c>ObjectPoolProvider</c> gets.</summary>
    public BoundedObjectPoolOptions ObjectPools { get; set; } = new();

    /// <summary>Gets the budgeted memory pools created at start, by name (section <c>ResourceKit:Memory:Pools:{name}</c>).</summary>
    public Dictionary<string, BudgetedMemoryPoolOptions> Pools { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the GC tuner's profile, adaptive mode and overhead window.</summary>
    public GcTunerOptions GcTuning { get; set; } = new();

    /// <summary>Gets or sets the lazy component registry's cap, idle timeout and unload strategy.</summary>
    public LazyComponentOptions LazyComponents { get; set; } = new();

    /// <summary>Gets or sets a value indicating whether the hosted service samples memory and GC overhead in the background (and applies <see cref="GcTunerOptions.Profile"/>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunMonitor { get; set; } = true;
}
