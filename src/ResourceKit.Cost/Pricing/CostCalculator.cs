namespace ResourceKit.Cost.Pricing;

/// <summary>Turns token counts into money, honouring each provider's token-counting convention.</summary>
public static class CostCalculator
{
    private const decimal TokensPerMillion = 1_000_000m;

    /// <summary>Computes the cost of a call.</summary>
    /// <param name="price">The model's price.</param>
    /// <param name="usage">The reported token counts.</param>
    /// <returns>The cost split by kind of token.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or inconsistent with the convention.</exception>
    public static CostBreakdown Calculate(ModelPrice price, TokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(price);
        var convention = price.EffectiveConvention;
        ThrowIfInvalid(usage, convention);

        // Under the OpenAI convention cached (and cache-write) tokens are inside the input count, so only
        // the remainder is charged at the full input price; under Anthropic's they come on top.
        var uncached = convention == CachedTokenConvention.IncludedInInput
            ? usage.InputTokens - usage.CachedInputTokens - usage.CacheWriteTokens
            : usage.InputTokens;
        var plainOutput = usage.OutputTokens - usage.ReasoningTokens;

        return new CostBreakdown(
            PerMillion(uncached, price.InputPerMillion),
            PerMillion(usage.CachedInputTokens, price.CachedInputPerMillion ?? price.InputPerMillion),
            PerMillion(usage.CacheWriteTokens, price.CacheWritePerMillion ?? price.InputPerMillion),
            PerMillion(plainOutput, price.OutputPerMillion),
            PerMillion(usage.ReasoningTokens, price.ReasoningPerMillion ?? price.OutputPerMillion));
    }

    /// <summary>
    /// Estimates the most a call can cost before it is made: every input token at the full input price
    /// plus the request's maximum output tokens at the output price, capped at <paramref name="maximum"/>.
    /// </summary>
    /// <param name="price">The model's price.</param>
    /// <param name="inputTokens">The estimated input tokens.</param>
    /// <param name="maxOutputTokens">The most output tokens the request allows.</param>
    /// <param name="maximum">The cap, so that a huge context cannot lock the whole budget.</param>
    /// <returns>The estimate.</returns>
    public static decimal Estimate(ModelPrice price, long inputTokens, long maxOutputTokens, decimal maximum)
    {
        ArgumentNullException.ThrowIfNull(price);
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxOutputTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximum);
        var outputPrice = Math.Max(price.OutputPerMillion, price.ReasoningPerMillion ?? 0m);
        var estimate = PerMillion(inputTokens, price.InputPerMillion) + PerMillion(maxOutputTokens, outputPrice);
        return Math.Min(estimate, maximum);
    }

    private static void ThrowIfInvalid(TokenUsage usage, CachedTokenConvention convention)
    {
        if (usage.InputTokens < 0 || usage.OutputTokens < 0 || usage.CachedInputTokens < 0 || usage.ReasoningTokens < 0 || usage.CacheWriteTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(usage), usage, "Token counts must not be negative.");
        }

        if (usage.ReasoningTokens > usage.OutputTokens)
        {
            throw new ArgumentOutOfRangeException(
                nameof(usage), usage, $"Reasoning tokens are part of the output and cannot exceed OutputTokens ({usage.OutputTokens}).");
        }

        if (convention == CachedTokenConvention.IncludedInInput && usage.CachedInputTokens + usage.CacheWriteTokens > usage.InputTokens)
        {
            throw new ArgumentOutOfRangeException(
                nameof(usage), usage, $"Under {convention} cached tokens are part of the input and cannot exceed InputTokens ({usage.InputTokens}).");
        }
    }

    private static decimal PerMillion(long tokens, decimal pricePerMillion) => tokens * pricePerMillion / TokensPerMillion;
}
