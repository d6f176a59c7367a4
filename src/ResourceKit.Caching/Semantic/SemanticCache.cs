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
/// prompt match is tried first and costs no embedding call. The index is in memory and per process, bounded per
/// scope and in total (<see cref="SemanticCacheOptions.MaximumEntries"/>, oldest forgotten first); expired entries
/// and empty scopes are swept at most once a minute, as part of the lookups and stores themselves.
/// </remarks>
public sealed class SemanticCache
{
    private const long SweepIntervalMilliseconds = 60_000;
    private readonly SemanticCacheOptions _options;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, SemanticScope> _scopes = new(StringComparer.Ordinal);
    private readonly Lock _maintenance = new();
    private long _nextSweepUnixMs;
    private int _count;

    /// <summary>Creates a semantic cache.</summary>
    /// <param name="options">The options.</param>
    /// <param name="generator">Produces the prompt embeddings; the caller owns it.</param>
    /// <param name="timeProvider">The clock for entry lifetimes.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public SemanticCache(SemanticCacheOptions options, IEmbeddingGenerator<string, Embedding<float>> generator, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        if (options.SimilarityThreshold is < 0f or > 1f || options.MaximumEntriesPerScope < 1 || options.MaximumEntries < 1 || options.TimeToLive <= TimeSpan.Zero)
        {
            throw new ArgumentException("SimilarityThreshold must be within 0..1, MaximumEntriesPerScope and MaximumEntries at least 1 and TimeToLive positive.", nameof(options));
        }

        _options = options;
        _generator = generator;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the number of prompts remembered across all scopes.</summary>
    public int Count => _scopes.Values.Sum(s => s.Count);

    /// <summary>Gets the number of scopes currently held, for tests of the sweep.</summary>
    internal int ScopeCount => _scopes.Count;

    /// <summary>Gets the running total the global cap is enforced on; equals <see cref="Count"/> when quiescent.</summary>
    internal int TrackedCount => Volatile.Read(ref _count);

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
        Maintain(now);
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

        var (key, similarity, expired) = index.FindNearest(vector, now);
        Interlocked.Add(ref _count, -expired);
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
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = now + (long)_options.TimeToLive.TotalMilliseconds;
        while (true)
        {
            var index = _scopes.GetOrAdd(scope, static (_, max) => new SemanticScope(max), _options.MaximumEntriesPerScope);
            if (index.TryAdd(prompt, key, vector, expires, out var delta))
            {
                Interlocked.Add(ref _count, delta);
                break;
            }

            // The sweep retired this scope (empty) and is about to drop it: drop it here too and start a fresh one.
            _scopes.TryRemove(new KeyValuePair<string, SemanticScope>(scope, index));
        }

        Maintain(now);
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
    public bool RemoveScope(string scope)
    {
        if (!_scopes.TryRemove(scope, out var removed))
        {
            return false;
        }

        Interlocked.Add(ref _count, -removed.Retire());
        return true;
    }

    /// <summary>
    /// Amortised upkeep on the callers' own threads (no timer to own or dispose): at most once a minute, or at once
    /// when over <see cref="SemanticCacheOptions.MaximumEntries"/>, drop expired entries and empty scopes (a new scope
    /// per conversation turn would otherwise pile up forever), then forget the oldest entries across all scopes down
    /// to 90 % of the cap so the next eviction is many stores away.
    /// </summary>
    private void Maintain(long nowUnixMs)
    {
        var overCap = Volatile.Read(ref _count) > _options.MaximumEntries;
        if ((!overCap && nowUnixMs < Volatile.Read(ref _nextSweepUnixMs)) || !_maintenance.TryEnter())
        {
            return;
        }

        try
        {
            Volatile.Write(ref _nextSweepUnixMs, nowUnixMs + SweepIntervalMilliseconds);
            foreach (var pair in _scopes)
            {
                Interlocked.Add(ref _count, -pair.Value.PruneExpired(nowUnixMs, out var retired));
                if (retired)
                {
                    _scopes.TryRemove(pair);
                }
            }

            if (Volatile.Read(ref _count) > _options.MaximumEntries)
            {
                EvictOldest(_options.MaximumEntries - (_options.MaximumEntries / 10));
            }
        }
        finally
        {
            _maintenance.Exit();
        }
    }

    private void EvictOldest(int target)
    {
        // A k-way merge over the scopes, each ordered oldest first: the globally oldest entry goes first.
        var queue = new PriorityQueue<KeyValuePair<string, SemanticScope>, long>();
        foreach (var pair in _scopes)
        {
            if (pair.Value.TryPeekOldest(out var expires))
            {
                queue.Enqueue(pair, expires);
            }
        }

        while (Volatile.Read(ref _count) > target && queue.TryDequeue(out var pair, out _))
        {
            if (pair.Value.TryRemoveOldest(out var retired))
            {
                Interlocked.Decrement(ref _count);
            }

            if (retired)
            {
                _scopes.TryRemove(pair);
            }
            else if (pair.Value.TryPeekOldest(out var next))
            {
                queue.Enqueue(pair, next);
            }
        }
    }

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
