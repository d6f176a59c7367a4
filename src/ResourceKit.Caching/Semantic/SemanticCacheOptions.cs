using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Caching.Semantic;

/// <summary>Options for <see cref="SemanticCache"/>.</summary>
public sealed class SemanticCacheOptions
{
    /// <summary>The default cosine similarity a stored prompt must reach to count as the same question.</summary>
    public const float DefaultSimilarityThreshold = 0.95f;

    /// <summary>The default number of prompts remembered per scope.</summary>
    public const int DefaultMaximumEntriesPerScope = 10_000;

    /// <summary>The default number of prompts remembered across all scopes.</summary>
    public const int DefaultMaximumEntries = 50_000;

    /// <summary>The default time a remembered prompt stays matchable.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the cosine similarity, from 0 to 1, at or above which a stored prompt matches.</summary>
    /// <value>The default value is <see cref="DefaultSimilarityThreshold"/>.</value>
    [Range(0.0, 1.0)]
    public float SimilarityThreshold { get; set; } = DefaultSimilarityThreshold;

    /// <summary>Gets or sets how many prompts each scope remembers; the oldest are forgotten first.</summary>
    /// <value>The default value is <see cref="DefaultMaximumEntriesPerScope"/>.</value>
    [Range(1, int.MaxValue)]
    public int MaximumEntriesPerScope { get; set; } = DefaultMaximumEntriesPerScope;

    /// <summary>
    /// Gets or sets how many prompts are remembered across all scopes; past it the oldest, whatever their scope, are
    /// forgotten first. Each entry holds its embedding (6 KiB for 1,536 floats), so this bounds the index's memory.
    /// </summary>
    /// <value>The default value is <see cref="DefaultMaximumEntries"/>.</value>
    [Range(1, int.MaxValue)]
    public int MaximumEntries { get; set; } = DefaultMaximumEntries;

    /// <summary>Gets or sets how long a prompt stays matchable; match it to the response policy's time-to-live.</summary>
    /// <value>The default value is <see cref="DefaultTimeToLive"/>.</value>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = DefaultTimeToLive;
}
