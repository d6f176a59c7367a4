namespace ResourceKit.Scheduling;

/// <summary>Options for a <see cref="Batcher{T}"/>.</summary>
public sealed class BatcherOptions
{
    /// <summary>The default <see cref="MaxBatchSize"/>, from seed 004's message bus (<c>batch_size = 10</c>).</summary>
    public const int DefaultMaxBatchSize = 10;

    /// <summary>The default <see cref="Capacity"/>.</summary>
    public const int DefaultCapacity = 1000;

    /// <summary>The default <see cref="MaxBatchDelay"/>, from seed 004's message bus (<c>batch_timeout = 0.1</c>).</summary>
    public static readonly TimeSpan DefaultMaxBatchDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets or sets how many items make a full batch, flushed at once.</summary>
    /// <value>The default value is 10.</value>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>Gets or sets the longest an item waits for its batch to fill, counted from the batch's first item.</summary>
    /// <value>The default value is 100 milliseconds.</value>
    public TimeSpan MaxBatchDelay { get; set; } = DefaultMaxBatchDelay;

    /// <summary>
    /// Gets or sets how many items may be added but not yet flushed. When reached, <see cref="Batcher{T}.AddAsync"/>
    /// waits and <see cref="Batcher{T}.TryAdd"/> returns <see langword="false"/> (back-pressure). At least <see cref="MaxBatchSize"/>.
    /// </summary>
    /// <value>The default value is 1000.</value>
    public int Capacity { get; set; } = DefaultCapacity;
}
