using System.Diagnostics.Metrics;
using Microsoft.Extensions.ObjectPool;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.ObjectPooling;

/// <summary>
/// An <see cref="ObjectPoolProvider"/> that creates <see cref="BoundedObjectPool{T}"/>s and registers each with a
/// <see cref="MemoryReclamation"/>, so every pool made through it is trimmed under memory pressure until it is disposed.
/// </summary>
public sealed class BoundedObjectPoolProvider : ObjectPoolProvider
{
    private readonly BoundedObjectPoolOptions _template;
    private readonly MemoryReclamation? _reclamation;
    private readonly IMeterFactory? _meterFactory;

    /// <summary>Initializes a new instance of the <see cref="BoundedObjectPoolProvider"/> class.</summary>
    /// <param name="template">
    /// The bound, priority and size estimate every pool gets; the name (the <c>pool</c> tag of its metrics) is the
    /// pooled type's full name with its generic arguments, such as <c>System.Collections.Generic.List&lt;System.String&gt;</c>.
    /// </param>
    /// <param name="reclamation">Where pools register as reclaimers; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">The factory for the pools' <c>ResourceKit.Memory</c> meter.</param>
    public BoundedObjectPoolProvider(BoundedObjectPoolOptions? template = null, MemoryReclamation? reclamation = null, IMeterFactory? meterFactory = null)
    {
        _template = template ?? new BoundedObjectPoolOptions();
        OptionsErrors.ThrowIfAny(_template.Validate(), nameof(template));
        _reclamation = reclamation;
        _meterFactory = meterFactory;
    }

    /// <inheritdoc />
    public override ObjectPool<T> Create<T>(IPooledObjectPolicy<T> policy)
    {
        var pool = new BoundedObjectPool<T>(policy, new BoundedObjectPoolOptions
        {
            MaximumRetained = _template.MaximumRetained,
            Priority = _template.Priority,
            EstimatedObjectBytes = _template.EstimatedObjectBytes,
            Name = TypeNames.Readable(typeof(T)),
        },
        _meterFactory);
        if (_reclamation is not null)
        {
            // The pool ends its registration when disposed, so pools made and disposed at run time are not kept alive.
            pool.OwnRegistration(_reclamation.Register(pool));
        }

        return pool;
    }
}
