namespace ResourceKit.Memory.LazyComponents;

/// <summary>One registered component and its state. Mutated only under the registry's lock.</summary>
internal sealed class ComponentSlot(string name, Type type, Func<CancellationToken, Task<object>> factory, LazyComponentSettings settings)
{
    public string Name { get; } = name;

    public Type Type { get; } = type;

    public Func<CancellationToken, Task<object>> Factory { get; } = factory;

    public LazyComponentSettings Settings { get; } = settings;

    public object? Instance { get; set; }

    public Task<object>? Loading { get; set; }

    public long LastUsed { get; set; }

    public TimeSpan? LastInitTime { get; set; }

    public int LoadCount { get; set; }

    public int UnloadCount { get; set; }
}
