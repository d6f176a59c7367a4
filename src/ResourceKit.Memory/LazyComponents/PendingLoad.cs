namespace ResourceKit.Memory.LazyComponents;

/// <summary>A creation in progress and the callers waiting for it. Mutated only under the registry's lock.</summary>
internal sealed class PendingLoad
{
    /// <summary>Gets or sets the creation; it fails with the factory's exception, or completes once <see cref="Result"/> is set.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Gets or sets how many callers wait for this load; each gets a hand-off on the instance when it is created.</summary>
    public int Waiters { get; set; }

    /// <summary>Gets or sets the created instance, set under the lock together with the hand-offs it carries.</summary>
    public LoadedComponent? Result { get; set; }
}
