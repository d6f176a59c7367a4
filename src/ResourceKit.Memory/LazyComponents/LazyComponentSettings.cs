namespace ResourceKit.Memory.LazyComponents;

/// <summary>Per-component settings given to <see cref="LazyComponentRegistry.Register{T}"/>.</summary>
/// <param name="Priority">Importance: with the Priority and Hybrid strategies, higher priorities are unloaded later.</param>
/// <param name="EstimatedBytes">The component's memory estimate, reported as freed when it is unloaded.</param>
/// <param name="Pinned">Whether the component stays loaded once created (never unloaded for idleness, the cap or pressure).</param>
public readonly record struct LazyComponentSettings(int Priority = 0, long EstimatedBytes = 0, bool Pinned = false);
