using System.ComponentModel.DataAnnotations;
using ResourceKit.Memory.Internal;

namespace ResourceKit.Memory.BudgetedPools;

/// <summary>Options for <see cref="BudgetedMemoryPool"/>.</summary>
public sealed class BudgetedMemoryPoolOptions
{
    /// <summary>The default budget: 100 MB, the seed's <c>AGENT_MEMORY_POOL_SIZE</c>.</summary>
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>The default size above which byte entries are compressed (10 KB, from seed 004).</summary>
    public const int DefaultCompressionThresholdBytes = 10 * 1024;

    /// <summary>Gets or sets the pool name used in logs, metrics and as the reclaimer name.</summary>
    /// <value>The default value is <c>"memory-pool"</c>.</value>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Name must not be empty.")]
    public string Name { get; set; } = "memory-pool";

    /// <summary>Gets or sets the bytes reclamation under pressure never trims below.</summary>
    /// <value>The default value is 0.</value>
    [Range(0L, long.MaxValue, ErrorMessage = "MinBytes must not be negative.")]
    public long MinBytes { get; set; }

    /// <summary>Gets or sets the budget: the tracked bytes never exceed it.</summary>
    /// <value>The default value is 100 MB.</value>
    [Range(1L, long.MaxValue, ErrorMessage = "MaxBytes must be at least 1.")]
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>Gets or sets a value indicating whether byte entries above <see cref="CompressionThresholdBytes"/> are stored compressed.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CompressLargeEntries { get; set; }

    /// <summary>Gets or sets the size above which byte entries are compressed.</summary>
    /// <value>The default value is 10 240 bytes.</value>
    [Range(1, int.MaxValue, ErrorMessage = "CompressionThresholdBytes must be at least 1.")]
    public int CompressionThresholdBytes { get; set; } = DefaultCompressionThresholdBytes;

    /// <summary>Gets or sets the reclaimer priority (lower is trimmed first).</summary>
    /// <value>The default value is 20.</value>
    public int Priority { get; set; } = 20;

    /// <summary>Lists every problem with these options; empty when they are valid.</summary>
    /// <returns>One message per problem.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = OptionsErrors.FromAnnotations(this);
        if (MaxBytes < MinBytes)
        {
            errors.Add($"MaxBytes ({MaxBytes}) must not be less than MinBytes ({MinBytes}).");
        }

        return errors;
    }

    /// <summary>Copies these options, so a pool is not changed (unvalidated) by later edits to the caller's instance.</summary>
    internal BudgetedMemoryPoolOptions Clone() => (BudgetedMemoryPoolOptions)MemberwiseClone();
}
