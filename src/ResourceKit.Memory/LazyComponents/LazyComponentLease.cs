namespace ResourceKit.Memory.LazyComponents;

/// <summary>
/// A component held for a unit of work, from <see cref="LazyComponentRegistry.AcquireAsync{T}"/>. While it is held the
/// component is not unloaded for idleness, the cap or pressure, and an explicit unload defers disposing it until the
/// last lease is released. Dispose the lease (once is enough; repeats are ignored) when the work is done, and do not
/// use <see cref="Component"/> afterwards.
/// </summary>
/// <typeparam name="T">The component type.</typeparam>
public sealed class LazyComponentLease<T> : IDisposable, IAsyncDisposable
    where T : class
{
    private readonly LazyComponentRegistry _registry;
    private readonly ComponentSlot _slot;
    private readonly LoadedComponent _component;
    private int _released;

    internal LazyComponentLease(LazyComponentRegistry registry, ComponentSlot slot, LoadedComponent component)
    {
        _registry = registry;
        _slot = slot;
        _component = component;
        Component = (T)component.Value;
    }

    /// <summary>Gets the component.</summary>
    public T Component { get; }

    /// <summary>Releases the lease; a component unloaded meanwhile is disposed in the background if this was its last lease.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _registry.Release(_slot, _component);
        }
    }

    /// <summary>Releases the lease; a component unloaded meanwhile is disposed before this completes if this was its last lease.</summary>
    /// <returns>A task that completes when the lease is released.</returns>
    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _released, 1) == 0 ? _registry.ReleaseAsync(_slot, _component) : ValueTask.CompletedTask;
}
