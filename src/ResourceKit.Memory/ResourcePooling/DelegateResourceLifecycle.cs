namespace ResourceKit.Memory.ResourcePooling;

/// <summary>An <see cref="IResourceLifecycle{T}"/> made of delegates; without a destroy delegate it disposes <see cref="IAsyncDisposable"/> / <see cref="IDisposable"/> resources.</summary>
internal sealed class DelegateResourceLifecycle<T>(
    Func<CancellationToken, ValueTask<T>> create,
    Func<T, CancellationToken, ValueTask<bool>>? validate,
    Func<T, CancellationToken, ValueTask>? destroy) : IResourceLifecycle<T>
{
    public ValueTask<T> CreateAsync(CancellationToken cancellationToken) => create(cancellationToken);

    public ValueTask<bool> ValidateAsync(T resource, CancellationToken cancellationToken) =>
        validate is null ? ValueTask.FromResult(true) : validate(resource, cancellationToken);

    public ValueTask DestroyAsync(T resource, CancellationToken cancellationToken)
    {
        if (destroy is not null)
        {
            return destroy(resource, cancellationToken);
        }

        if (resource is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        (resource as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }
}
