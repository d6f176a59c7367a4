using Microsoft.Extensions.AI;

namespace ResourceKit.Cost.Pricing;

/// <summary>Token counts of one call, as the provider reported them.</summary>
/// <param name="InputTokens">Input tokens, counted by the provider's <see cref="CachedTokenConvention"/>.</param>
/// <param name="OutputTokens">Output tokens, including reasoning tokens.</param>
/// <param name="CachedInputTokens">Input tokens read from the prompt cache.</param>
/// <param name="ReasoningTokens">Reasoning tokens (a part of <paramref name="OutputTokens"/>).</param>
/// <param name="CacheWriteTokens">Input tokens written to the prompt cache (Anthropic).</param>
public readonly record struct TokenUsage(
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens = 0,
    long ReasoningTokens = 0,
    long CacheWriteTokens = 0)
{
    /// <summary>The <see cref="UsageDetails.AdditionalCounts"/> key read for cache-write tokens.</summary>
    public const string CacheWriteCountKey = "CacheCreationInputTokens";

    /// <summary>
    /// Maps Microsoft.Extensions.AI usage details to token counts; missing counts are zero. (The chat middleware does
    /// not charge a missing input or output count as zero: it fills it in from the total or the estimate.)
    /// </summary>
    /// <param name="usage">The usage reported by an <c>IChatClient</c>.</param>
    /// <returns>The token counts.</returns>
    public static TokenUsage FromUsageDetails(UsageDetails usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        long cacheWrites = 0;
        if (usage.AdditionalCounts is { } extra && extra.TryGetValue(CacheWriteCountKey, out var writes))
        {
            cacheWrites = writes;
        }

        return new TokenUsage(
            usage.InputTokenCount ?? 0,
            usage.OutputTokenCount ?? 0,
            usage.CachedInputTokenCount ?? 0,
            usage.ReasoningTokenCount ?? 0,
            cacheWrites);
    }
}
