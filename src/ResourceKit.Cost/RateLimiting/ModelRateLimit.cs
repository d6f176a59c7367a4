namespace ResourceKit.Cost.RateLimiting;

/// <summary>Per-minute limits for one provider and model (or every model of a provider, with model <c>*</c>).</summary>
public sealed class ModelRateLimit
{
    /// <summary>Gets or sets the provider (case-insensitive).</summary>
    public string Provider { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the model, or <c>*</c> for one limit shared by all the models of the provider without their own entry.
    /// </summary>
    /// <value>The default value is <c>*</c>.</value>
    public string Model { get; set; } = "*";

    /// <summary>Gets or sets the requests allowed per minute; <see langword="null"/> for no limit.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Gets or sets the input tokens allowed per minute; <see langword="null"/> for no limit.</summary>
    public int? InputTokensPerMinute { get; set; }

    /// <summary>Gets or sets the output tokens allowed per minute; <see langword="null"/> for no limit.</summary>
    public int? OutputTokensPerMinute { get; set; }

    /// <summary>Describes every provider and model listed more than once (case-insensitive, trimmed), as the limiter keys them.</summary>
    internal static IEnumerable<string> FindDuplicates(IEnumerable<ModelRateLimit> limits) =>
        limits.Where(l => l is not null && !string.IsNullOrWhiteSpace(l.Provider) && !string.IsNullOrWhiteSpace(l.Model))
            .GroupBy(l => l.Provider.Trim() + "\n" + l.Model.Trim(), StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => $"the provider and model '{g.Key.Replace('\n', '/')}' are listed {g.Count()} times (names are compared ignoring case).");

    /// <summary>Lists every problem with the limit.</summary>
    /// <param name="path">The configuration path used in the messages.</param>
    /// <returns>The problems; empty when valid.</returns>
    public IEnumerable<string> Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Provider))
        {
            yield return $"{path}.Provider is required.";
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return $"{path}.Model is required (use '*' for every model).";
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(RequestsPerMinute), RequestsPerMinute),
                     (nameof(InputTokensPerMinute), InputTokensPerMinute),
                     (nameof(OutputTokensPerMinute), OutputTokensPerMinute),
                 })
        {
            if (value <= 0)
            {
                yield return $"{path}.{name} must be greater than zero when set (was {value}).";
            }
        }
    }
}
