using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace ResourceKit.Caching.Semantic;

/// <summary>
/// Finds a previously answered prompt that means the same as a new one: it embeds the prompt with an
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> and compares it by cosine similarity with the prompts
/// remembered in the same scope. It returns the cache key of the earlier answer; the answer itself lives in the
/// <see cref="TieredCache"/>.
/// </summary>
/// <remarks>
/// Scopes are hard walls: a lookup only ever compares against prompts added with the identical scope string, so
/// putting the tenant and user (and the model) in the scope guarantees no one receives another's answer. An exact
/// prompt match is tried first and costs no embedding call. The index is in memory and per process.
/// </remarks>
public sealed class SemanticCache
{
    private readonly SemanticCacheOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, SemanticScope> _scopes = new(StringComparer.Ordinal);

    /// <summary>Creates a semantic cache.</summary>
    /// <param name="options">The options.</param>
    /// <param name="generator">Produces the prompt embeddings; the caller owns it.</param>
    /// <param name="timeProvider">The clock for entry lifetimes.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public SemanticCache(SemanticCacheOptions options, IEmbeddingGenerator<string, Embedding<float>> generator, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        if (options.SimilarityThreshold is < 0f or > 1f || options.MaximumEntriesPerScope < 1 || options.TimeToLive <= TimeSpan.Zero)
        {
            throw new ArgumentException("SimilarityThreshold must be within 0..1, MaximumEntriesPerScope at least 1 and TimeToLive positive.", nameof(options));
        }

        _options = options;
        _generator = generator;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the number of prompts remembered across all scopes.</summary>
    public int Count => _scopes.Values.Sum(s => s.Count);

    /// <summary>Looks for a remembered prompt in <paramref name="scope"/> that means the same as <paramref name="prompt"/>.</summary>
    /// <param name="scope">The isolation scope (tenant, user, model); only prompts added with the same scope are compared.</param>
    /// <param name="prompt">The new prompt.</param>
    /// <param name="cancellationToken">Cancels the embedding call.</param>
    /// <returns>The best match at or above the threshold, or no key; with the prompt's embedding when one was computed.</returns>
    public async ValueTask<SemanticCacheLookup> FindAsync(string scope, string prompt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentException.ThrowIfNullOrEmpty(prompt);
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        _scopes.TryGetValue(scope, out var index);
        if (index?.FindExact(prompt, now) is { } exactKey)
        {
            return new SemanticCacheLookup(exactKey, 1f, ReadOnlyMemory<float>.Empty);
        }

        var embedding = await _generator.GenerateAsync(prompt, cancellationToken: cancellationToken).ConfigureAwait(false);
        var vector = Normalize(embedding.Vector.Span);
        if (index is null)
        {
            return new SemanticCacheLookup(null, 0f, vector);
        }

        var (key, similarity) = index.FindNearest(vector, now);
        return similarity >= _options.SimilarityThreshold
            ? new SemanticCacheLookup(key, similarity, vector)
            : new SemanticCacheLookup(null, similarity, vector);
    }

    /// <summary>Remembers that <paramref name="prompt"/> in <paramref name="scope"/> was answered under <paramref name="key"/>.</summary>
    /// <param name="scope">The isolation scope.</param>
    /// <param name="prompt">The prompt.</param>
    /// <param name="key">The cache key of the answer.</param>
    /// <param name="embedding">The prompt's embedding from <see cref="FindAsync"/>; must not be empty.</param>
    /// <exception cref="ArgumentException">The embedding is empty or its dimension differs from the scope's.</exception>
    public void Add(string scope, string prompt, string key, ReadOnlyMemory<float> embedding)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentException.ThrowIfNullOrEmpty(prompt);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (embedding.IsEmpty)
        {
            throw new ArgumentException("The embedding must not be empty.", nameof(embedding));
        }

        var vector = Normalize(embedding.Span);
        var expires = _timeProvider.GetUtcNow().Add(_options.TimeToLive).ToUnixTimeMilliseconds();
        _scopes.GetOrAdd(scope, static (_, max) => new SemanticScope(max), _options.MaximumEntriesPerScope).Add(prompt, key, vector, expires);
    }

    /// <summary>Embeds <paramref name="prompt"/> and remembers it; for callers that did not call <see cref="FindAsync"/> first.</summary>
    /// <param name="scope">The isolation scope.</param>
    /// <param name="prompt">The prompt.</param>
    /// <param name="key">The cache key of the answer.</param>
    /// <param name="cancellationToken">Cancels the embedding call.</param>
    /// <returns>A task that completes when the prompt is remembered.</returns>
    public async ValueTask AddAsync(string scope, string prompt, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prompt);
        var embedding = await _generator.GenerateAsync(prompt, cancellationToken: cancellationToken).ConfigureAwait(false);
        Add(scope, prompt, key, embedding.Vector);
    }

    /// <summary>Forgets every prompt of <paramref name="scope"/>, for example when a user's data is erased.</summary>
    /// <param name="scope">The scope.</param>
    /// <returns><see langword="true"/> when the scope existed.</returns>
    public bool RemoveScope(string scope) => _scopes.TryRemove(scope, out _);

    private static float[] Normalize(ReadOnlySpan<float> vector)
    {
        var result = vector.ToArray();
        var norm = TensorPrimitives.Norm(result);
        if (norm > 0f)
        {
            TensorPrimitives.Divide(result, norm, result);
        }

        return result;
    }
}
