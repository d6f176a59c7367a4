namespace ResourceKit.Cost.Pricing;

/// <summary>The cost of one call, in US dollars, split by kind of token.</summary>
/// <param name="Input">Uncached input tokens.</param>
/// <param name="CachedInput">Input tokens read from the prompt cache.</param>
/// <param name="CacheWrite">Input tokens written to the prompt cache.</param>
/// <param name="Output">Output tokens other than reasoning.</param>
/// <param name="Reasoning">Reasoning tokens.</param>
public readonly record struct CostBreakdown(decimal Input, decimal CachedInput, decimal CacheWrite, decimal Output, decimal Reasoning)
{
    /// <summary>Gets the total cost.</summary>
    public decimal Total => Input + CachedInput + CacheWrite + Output + Reasoning;
}
