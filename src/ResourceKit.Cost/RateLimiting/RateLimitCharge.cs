namespace ResourceKit.Cost.RateLimiting;

/// <summary>What <see cref="ModelRateLimiter.AcquireAsync"/> charged, to correct once the actual counts are known.</summary>
public sealed class RateLimitCharge
{
    internal RateLimitCharge(ModelBuckets? buckets, long estimatedInputTokens, long estimatedOutputTokens)
    {
        Buckets = buckets;
        EstimatedInputTokens = estimatedInputTokens;
        EstimatedOutputTokens = estimatedOutputTokens;
    }

    /// <summary>Gets the input tokens charged.</summary>
    public long EstimatedInputTokens { get; }

    /// <summary>Gets the output tokens charged.</summary>
    public long EstimatedOutputTokens { get; }

    /// <summary>Gets a value indicating whether any limit applied.</summary>
    public bool IsLimited => Buckets is not null;

    internal ModelBuckets? Buckets { get; }
}
