namespace ResourceKit.Memory.LazyComponents;

/// <summary>One registered component and its state. Mutated only under the registry's lock.</summary>
internal sealed class ComponentSlot(string name, Type type, Func<CancellationToken, Task<object>> factory, LazyComponentSettings settings)
{
    public string Name { get; } = name;

    public Type Type { get; } = type;

    public Func<CancellationToken, Task<object>> Factory { get; } = factory;

    public LazyComponentSettings Settings { get; } = settings;

    /// <summary>Gets or sets the loaded instance; <see langword="null"/> when not loaded.</summary>
    public LoadedComponent? Current { get; set; }

    public object? Instance => Current?.Value;

    /// <summary>Gets or sets the creation in progress; <see langword="null"/> when none is.</summary>
    public PendingLoad? Loading { get; set; }

    /// <summary>Gets or sets a value indicating whether the load in progress has taken one of the <see cref="LazyComponentOptions.MaxLoaded"/> places.</summary>
    public bool HoldsCapPlace { get; set; }

    public long LastUsed { get; set; }

    public TimeSpan? LastInitTime { get; set; }

    public int LoadCount { get; set; }

    public int UnloadCount { get; set; }
}
