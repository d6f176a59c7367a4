namespace ResourceKit.Memory.LazyComponents;

/// <summary>One created instance of a component and its leases. Mutated only under the registry's lock.</summary>
internal sealed class LoadedComponent(object value)
{
    public object Value { get; } = value;

    /// <summary>Gets or sets how many <see cref="LazyComponentLease{T}"/>s hold this instance now.</summary>
    public int Leases { get; set; }

    /// <summary>Gets or sets a value indicating whether the instance was unloaded while leased: the last release disposes it.</summary>
    public bool Detached { get; set; }
}
