namespace ResourceKit.Cost.Pricing;

/// <summary>How a provider's reported input-token count treats prompt-cache tokens.</summary>
public enum CachedTokenConvention
{
    /// <summary>
    /// The input count already contains cached tokens (OpenAI, and the Microsoft.Extensions.AI
    /// <c>UsageDetails</c> contract): uncached input is input minus cached.
    /// </summary>
    IncludedInInput,

    /// <summary>
    /// The input count excludes cache reads and cache writes (Anthropic's <c>input_tokens</c>):
    /// cached and cache-write tokens are charged on top of the input count.
    /// </summary>
    ExcludedFromInput,
}
