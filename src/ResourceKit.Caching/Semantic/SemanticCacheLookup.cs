namespace ResourceKit.Caching.Semantic;

/// <summary>The outcome of a <see cref="SemanticCache"/> lookup.</summary>
/// <param name="Key">The cache key stored with the matching prompt; <see langword="null"/> when nothing matched.</param>
/// <param name="Similarity">The cosine similarity of the best match (1 for an exact prompt match, 0 when nothing was compared).</param>
/// <param name="Embedding">The prompt's embedding, to pass to <see cref="SemanticCache.Add"/> without computing it again; empty after an exact match.</param>
public readonly record struct SemanticCacheLookup(string? Key, float Similarity, ReadOnlyMemory<float> Embedding)
{
    /// <summary>Gets a value indicating whether a stored prompt matched.</summary>
    public bool IsMatch => Key is not null;
}
