namespace ResourceKit.Memory.LazyComponents;

/// <summary>A snapshot of one registered component.</summary>
/// <param name="Name">The component's name.</param>
/// <param name="IsLoaded">Whether an instance exists now.</param>
/// <param name="LastInitTime">How long the last creation took, or <see langword="null"/> when never created.</param>
/// <param name="LoadCount">How many times the component was created.</param>
/// <param name="UnloadCount">How many times it was unloaded.</param>
/// <param name="IdleFor">Time since last use, when loaded.</param>
/// <param name="Settings">The settings it was registered with.</param>
public readonly record struct LazyComponentInfo(
    string Name,
    bool IsLoaded,
    TimeSpan? LastInitTime,
    int LoadCount,
    int UnloadCount,
    TimeSpan? IdleFor,
    LazyComponentSettings Settings);
