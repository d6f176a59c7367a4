using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Cost.Batching;

/// <summary>Options of <see cref="RequestBatcher{TRequest, TResponse}"/>; the defaults are seed 000's batching (10 requests or 500 ms).</summary>
public sealed class RequestBatcherOptions
{
    /// <summary>The default largest batch.</summary>
    public const int DefaultMaxBatchSize = 10;

    /// <summary>The default longest a request waits for its batch to fill (500 ms).</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the largest number of requests sent together.</summary>
    /// <value>The default value is 10.</value>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>Gets or sets the longest the first request of a batch waits before the batch is sent anyway.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;
}
