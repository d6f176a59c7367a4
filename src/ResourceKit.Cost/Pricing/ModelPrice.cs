namespace ResourceKit.Cost.Pricing;

/// <summary>
/// The price of one model at one provider, in US dollars per million tokens.
/// </summary>
/// <remarks>
/// A plain settable class so that it binds from configuration and JSON. Optional prices fall back
/// to the input or output price when a provider does not price that kind of token apart.
/// </remarks>
public sealed class ModelPrice
{
    /// <summary>Gets or sets the provider name, for example <c>openai</c> or <c>anthropic</c> (case-insensitive).</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>Gets or sets the model identifier, for example <c>gpt-4o</c> (case-insensitive).</summary>
    public string Model { get; set; } = string.Empty;

    /// <summary>Gets or sets the price of one million uncached input tokens.</summary>
    public decimal InputPerMillion { get; set; }

    /// <summary>Gets or sets the price of one million output tokens.</summary>
    public decimal OutputPerMillion { get; set; }

    /// <summary>Gets or sets the price of one million input tokens read from the provider's prompt cache.</summary>
    /// <value>The default value is <see langword="null"/>, which charges cached tokens at <see cref="InputPerMillion"/>.</value>
    public decimal? CachedInputPerMillion { get; set; }

    /// <summary>Gets or sets the price of one million input tokens written to the provider's prompt cache (Anthropic).</summary>
    /// <value>The default value is <see langword="null"/>, which charges cache writes at <see cref="InputPerMillion"/>.</value>
    public decimal? CacheWritePerMillion { get; set; }

    /// <summary>Gets or sets the price of one million reasoning tokens when the provider prices them apart from output.</summary>
    /// <value>The default value is <see langword="null"/>, which charges reasoning tokens at <see cref="OutputPerMillion"/>.</value>
    public decimal? ReasoningPerMillion { get; set; }

    /// <summary>Gets or sets how the provider counts cached tokens in its input count.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: <see cref="CachedTokenConvention.ExcludedFromInput"/> for the
    /// <c>anthropic</c> provider and <see cref="CachedTokenConvention.IncludedInInput"/> for every other provider.
    /// </value>
    public CachedTokenConvention? Convention { get; set; }

    /// <summary>Gets the convention in effect, resolving the provider default when <see cref="Convention"/> is not set.</summary>
    public CachedTokenConvention EffectiveConvention =>
        Convention ?? (string.Equals(Provider, "anthropic", StringComparison.OrdinalIgnoreCase)
            ? CachedTokenConvention.ExcludedFromInput
            : CachedTokenConvention.IncludedInInput);

    /// <summary>Returns a copy of this price, so a catalog never shares mutable instances with its caller.</summary>
    /// <returns>A new <see cref="ModelPrice"/> with the same values.</returns>
    public ModelPrice Clone() => (ModelPrice)MemberwiseClone();

    /// <summary>Lists every problem with this price, prefixed with <paramref name="path"/>.</summary>
    /// <param name="path">The configuration path used in the messages.</param>
    /// <param name="requireIdentity">Whether <see cref="Provider"/> and <see cref="Model"/> are required (not for a fallback price).</param>
    /// <returns>The problems found; empty when the price is valid.</returns>
    public IEnumerable<string> Validate(string path, bool requireIdentity = true)
    {
        if (requireIdentity && string.IsNullOrWhiteSpace(Provider))
        {
            yield return $"{path}.Provider is required.";
        }

        if (requireIdentity && string.IsNullOrWhiteSpace(Model))
        {
            yield return $"{path}.Model is required.";
        }

        foreach (var (name, value) in new (string, decimal?)[]
                 {
                     (nameof(InputPerMillion), InputPerMillion),
                     (nameof(OutputPerMillion), OutputPerMillion),
                     (nameof(CachedInputPerMillion), CachedInputPerMillion),
                     (nameof(CacheWritePerMillion), CacheWritePerMillion),
                     (nameof(ReasoningPerMillion), ReasoningPerMillion),
                 })
        {
            if (value < 0)
            {
                yield return $"{path}.{name} must not be negative (was {value}).";
            }
        }
    }
}
