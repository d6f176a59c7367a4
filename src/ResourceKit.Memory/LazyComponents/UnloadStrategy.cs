namespace ResourceKit.Memory.LazyComponents;

/// <summary>Which loaded component goes first when the cap is reached or memory is reclaimed (seed 001's <c>unloadStrategy</c>).</summary>
public enum UnloadStrategy
{
    /// <summary>The least recently used component.</summary>
    Lru = 0,

    /// <summary>The lowest-priority component; among equals, the least recently used.</summary>
    Priority = 1,

    /// <summary>The component with the largest idle time ÷ (1 + priority): idle components go first, but important ones must be idle much longer.</summary>
    Hybrid = 2,
}
