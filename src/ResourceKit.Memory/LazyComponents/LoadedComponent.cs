namespace ResourceKit.Memory.LazyComponents;

/// <summary>One created instance of a component, its leases and hand-offs. Mutated only under the registry's lock.</summary>
/// <param name="value">The instance.</param>
/// <param name="handOffs">How many callers waited for this load and have not received the instance yet.</param>
internal sealed class LoadedComponent(object value, int handOffs = 0)
{
    private readonly TaskCompletionSource? _handedOff = handOffs > 0 ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

    public object Value { get; } = value;

    /// <summary>Gets or sets how many <see cref="LazyComponentLease{T}"/>s hold this instance now.</summary>
    public int Leases { get; set; }

    /// <summary>
    /// Gets how many callers of the load that created this instance have not received it yet. Until they have, the
    /// instance is in use: evicting it in that window would hand them an instance already disposed.
    /// </summary>
    public int HandOffs { get; private set; } = handOffs;

    /// <summary>Gets a task that completes (asynchronously) when every waiting caller has received the instance.</summary>
    public Task HandedOff => _handedOff?.Task ?? Task.CompletedTask;

    /// <summary>Gets a value indicating whether leases or pending hand-offs hold the instance.</summary>
    public bool InUse => Leases > 0 || HandOffs > 0;

    /// <summary>Gets or sets a value indicating whether the instance was unloaded while in use: the last release disposes it.</summary>
    public bool Detached { get; set; }

    /// <summary>Records that one waiting caller received the instance (or gave up on it).</summary>
    public void EndHandOff()
    {
        if (--HandOffs == 0)
        {
            _handedOff!.TrySetResult();
        }
    }
}
