namespace ResourceKit.Memory.LazyComponents;

/// <summary>Leases: holding a component for a unit of work so it is not disposed underneath the caller.</summary>
public sealed partial class LazyComponentRegistry
{
    /// <summary>
    /// Gets a component for a unit of work, creating it on first use (concurrent first calls share one creation).
    /// While the lease is held the component is not unloaded for idleness, the <see cref="LazyComponentOptions.MaxLoaded"/>
    /// cap or pressure; <see cref="UnloadAsync"/> and disposing the registry unload it at once but dispose it only when
    /// the last lease is released. Dispose the lease when the work is done.
    /// </summary>
    /// <typeparam name="T">The type it was registered with.</typeparam>
    /// <param name="name">The component's name.</param>
    /// <param name="cancellationToken">Stops waiting; the creation itself carries on for other callers.</param>
    /// <returns>The lease; <see cref="LazyComponentLease{T}.Component"/> is the component.</returns>
    /// <exception cref="ArgumentException">No component with that name and type is registered.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    public async ValueTask<LazyComponentLease<T>> AcquireAsync<T>(string name, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        while (true)
        {
            ComponentSlot slot;
            PendingLoad load;
            lock (_gate)
            {
                slot = FindLocked<T>(name);
                slot.LastUsed = _timeProvider.GetTimestamp();
                if (slot.Current is { } current)
                {
                    current.Leases++;
                    return new LazyComponentLease<T>(this, slot, current);
                }

                load = JoinLoadLocked(slot);
            }

            // The hand-off kept the cap, trim and idle sweep from unloading the new instance before this caller got
            // it; it becomes the lease. Only an explicit unload or disposal can have detached it: then load again.
            var loaded = await ReceiveAsync(load, cancellationToken).ConfigureAwait(false);
            object? orphan;
            lock (_gate)
            {
                if (!loaded.Detached)
                {
                    loaded.Leases++;
                    loaded.EndHandOff();
                    return new LazyComponentLease<T>(this, slot, loaded);
                }

                orphan = EndHandOffLocked(loaded);
            }

            if (orphan is not null)
            {
                await DisposeInstanceAsync(orphan).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends a lease; the use that just ended counts as the component's last use.</summary>
    /// <returns>The instance to dispose now (it was unloaded while leased and this was the last lease), or <see langword="null"/>.</returns>
    internal object? ReleaseLease(ComponentSlot slot, LoadedComponent component)
    {
        lock (_gate)
        {
            component.Leases--;
            if (!component.Detached)
            {
                slot.LastUsed = _timeProvider.GetTimestamp();
                return null;
            }

            return component.InUse ? null : component.Value;
        }
    }

    /// <summary>Ends a lease, disposing an unloaded instance in the background when this was its last lease.</summary>
    internal void Release(ComponentSlot slot, LoadedComponent component)
    {
        if (ReleaseLease(slot, component) is { } instance)
        {
            DisposeInBackground(instance);
        }
    }

    /// <summary>Ends a lease, disposing an unloaded instance before completing when this was its last lease.</summary>
    internal ValueTask ReleaseAsync(ComponentSlot slot, LoadedComponent component) =>
        ReleaseLease(slot, component) is { } instance ? DisposeInstanceAsync(instance) : ValueTask.CompletedTask;

    private ComponentSlot FindLocked<T>(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_slots.TryGetValue(name, out var slot))
        {
            throw new ArgumentException($"No component named '{name}' is registered.", nameof(name));
        }

        if (!typeof(T).IsAssignableFrom(slot.Type))
        {
            throw new ArgumentException($"Component '{name}' is a {slot.Type.Name}, not a {typeof(T).Name}.", nameof(name));
        }

        return slot;
    }
}
