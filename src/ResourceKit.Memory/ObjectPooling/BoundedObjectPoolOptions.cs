using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.ObjectPooling;

/// <summary>Options for <see cref="BoundedObjectPool{T}"/>.</summary>
public sealed class BoundedObjectPoolOptions
{
    /// <summary>The default reclaimer priority of an object pool: pooled objects are cheap to recreate, so they go early.</summary>
    public const int DefaultPriority = 10;

    /// <summary>Gets or sets the most objects the pool keeps; a returned object beyond it is dropped (and disposed if it is <see cref="IDisposable"/>).</summary>
    /// <value>The default value is twice <see cref="Environment.ProcessorCount"/>, as for <c>DefaultObjectPool</c>.</value>
    [Range(1, int.MaxValue, ErrorMessage = "MaximumRetained must be at least 1.")]
    public int MaximumRetained { get; set; } = Environment.ProcessorCount * 2;

    /// <summary>Gets or sets the name used in logs, metrics and as the reclaimer name.</summary>
    /// <value>The default value is <c>"object-pool"</c>.</value>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Name must not be empty.")]
    public string Name { get; set; } = "object-pool";

    /// <summary>Gets or sets the reclaimer priority (lower is trimmed first).</summary>
    /// <value>The default value is 10.</value>
    public int Priority { get; set; } = DefaultPriority;

    /// <summary>Gets or sets an estimate of one pooled object's size, used to report bytes freed by a trim.</summary>
    /// <value>The default value is 0 (unknown).</value>
    [Range(0L, long.MaxValue, ErrorMessage = "EstimatedObjectBytes must not be negative.")]
    public long EstimatedObjectBytes { get; set; }

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate() => OptionsErrors.FromAnnotations(this);
}
