using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Caching.Keys;
using ResourceKit.Caching.Semantic;

namespace ResourceKit.Caching.Chat;

/// <summary>
/// An <see cref="IChatClient"/> middleware that answers repeated requests from a <see cref="TieredCache"/>: the exact
/// request first (canonical key), then, when a <see cref="SemanticCache"/> is given, an earlier request whose last user
/// message means the same within the same scope, model and preceding conversation.
/// </summary>
/// <remarks>
/// Concurrent identical <see cref="GetResponseAsync"/> requests share one call to the inner client (the cache's
/// stampede protection). Streaming requests have no such protection: each one that misses the cache streams from the
/// inner client. A streamed response is stored once the stream completes, unless the key was written, removed or
/// invalidated while it streamed (the same rule as for a non-streaming call); a stream the caller abandons is not cached. The key covers the
/// messages, the options, the isolation scope and the inner client's provider and default model
/// (<see cref="ChatClientMetadata"/>), so pipelines to different models can share one cache. Requests whose meaning
/// depends on state the key cannot see bypass the cache: a server-side conversation
/// (<see cref="ChatOptions.ConversationId"/>), a continuation or background response, a raw representation factory,
/// or hosted (provider-side) tools such as web or file search. Responses that are not final or that name a server-side
/// conversation are returned but not stored. Cached responses are shared instances: do not mutate them. The semantic lookup is an
/// optimisation: when the embedding generator fails, the failure is logged and the request takes the exact-key path.
/// </remarks>
public sealed partial class TieredCachingChatClient : DelegatingChatClient
{
    private readonly TieredCache _cache;
    private readonly TieredChatCacheOptions _options;
    private readonly SemanticCache? _semanticCache;
    private readonly LlmCacheKeyBuilder _keyBuilder;
    private readonly ILogger _logger;
    private readonly string _clientIdentity;

    /// <summary>Wraps <paramref name="innerClient"/> with the cache.</summary>
    /// <param name="innerClient">The client that produces responses on a miss.</param>
    /// <param name="cache">The tiered cache that stores responses.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="semanticCache">Enables semantic lookups when given.</param>
    /// <param name="logger">Receives warnings when a semantic lookup fails and is skipped.</param>
    public TieredCachingChatClient(
        IChatClient innerClient,
        TieredCache cache,
        TieredChatCacheOptions? options = null,
        SemanticCache? semanticCache = null,
        ILogger<TieredCachingChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _options = options ?? new TieredChatCacheOptions();
        _cache.GetPolicy(_options.PolicyName);
        _semanticCache = semanticCache;
        _keyBuilder = new LlmCacheKeyBuilder(_options.KeyAlgorithm);
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        // The model is usually configured on the inner client, not in ChatOptions: without it two pipelines to
        // different models (or providers) sharing one cache would answer each other's requests.
        var metadata = innerClient.GetService<ChatClientMetadata>();
        _clientIdentity = string.Join('\u001f', metadata?.ProviderName, metadata?.ProviderUri, metadata?.DefaultModelId);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (!IsCacheable(options))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        var request = PrepareRequest(messages, options);
        if (request is null)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        SemanticCacheLookup semantic = default;
        if (request.SemanticScope is not null)
        {
            // The exact key first, then the prompt's meaning, both before the flight and with the caller's own token,
            // so a caller that cancels during the embedding call stops there. A request that then goes to the provider
            // has its exact key looked up once more (another caller may have filled it meanwhile); that second lookup
            // does not count its misses again.
            var cached = await FindAsync(request, cancellationToken).ConfigureAwait(false);
            if (cached.Response is not null)
            {
                return cached.Response;
            }

            semantic = cached.Semantic;
        }

        // Without a semantic lookup the exact key is looked up only here, inside the single flight.
        var response = await _cache.GetOrCreateAsync(
            request.Key,
            ct => new ValueTask<ChatResponse>(InnerClient.GetResponseAsync(request.Messages, options, ct)),
            _options.PolicyName,
            countMisses: request.SemanticScope is null,
            IsFinal,
            cancellationToken).ConfigureAwait(false);
        if (IsFinal(response))
        {
            Remember(request, semantic);
        }

        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = IsCacheable(options) ? PrepareRequest(messages, options) : null;
        if (request is null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        // Watched from before the lookup, like a factory run: a removal or newer value of the key while the stream runs
        // wins over what the stream produced.
        using var changes = _cache.WatchChanges(request.Key);
        var cached = await FindAsync(request, cancellationToken).ConfigureAwait(false);
        if (cached.Response is not null)
        {
            foreach (var update in cached.Response.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in InnerClient.GetStreamingResponseAsync(request.Messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        var streamed = updates.ToChatResponse();
        if (IsFinal(streamed) && await _cache.SetIfUnchangedAsync(request.Key, streamed, changes, _options.PolicyName, cancellationToken).ConfigureAwait(false))
        {
            Remember(request, cached.Semantic);
        }
    }

    /// <summary>Whether a request's answer can be keyed by what the key builder sees.</summary>
    private static bool IsCacheable(ChatOptions? options)
    {
        if (options is null)
        {
            return true;
        }

        if (options.ConversationId is not null || options.ContinuationToken is not null || options.AllowBackgroundResponses == true
            || options.RawRepresentationFactory is not null)
        {
            return false;
        }

        // Hosted tools (web search, file search over a vector store, MCP servers, code interpreter) answer from
        // provider-side state and configuration the key cannot cover; only function tools are described in full.
        return options.Tools is not { Count: > 0 } tools || tools.All(static tool => tool is AIFunctionDeclaration);
    }

    /// <summary>Whether a response is complete and self-contained, so another caller may be given it.</summary>
    private static bool IsFinal(ChatResponse response) => response.ContinuationToken is null && response.ConversationId is null;

    /// <summary>Builds the request's keys; <see langword="null"/> when it must bypass the cache (no scope while one is required).</summary>
    private ChatRequest? PrepareRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var userScope = _options.ScopeSelector is { } selector
            ? selector(list, options)
            : options?.AdditionalProperties?.TryGetValue(_options.ScopePropertyName, out var value) == true ? value?.ToString() : null;
        if (userScope is null && _options.RequireScope)
        {
            return null;
        }

        var scope = string.Concat(_clientIdentity, "\u001e", userScope);
        var key = _keyBuilder.Build(list, options, scope);
        string? semanticScope = null;
        string? prompt = null;
        if (_semanticCache is not null && list.Count > 0 && list[^1].Role == ChatRole.User && IsTextOnly(list[^1]) && list[^1].Text is { Length: > 0 } text)
        {
            // Only the last user message is compared by meaning; everything before it, the options and the scope
            // must be identical, so they go into the semantic scope as a digest. A message with an image, file or
            // other non-text part is never compared by meaning: its text alone ("What is in this image?") does not
            // say what it asks, so it only ever gets the exact-key path.
            prompt = text;
            semanticScope = _keyBuilder.Build(list.Take(list.Count - 1), options, scope);
        }

        return new ChatRequest(list, key, semanticScope, prompt);
    }

    private async ValueTask<(ChatResponse? Response, SemanticCacheLookup Semantic)> FindAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var exact = await _cache.TryGetAsync<ChatResponse>(request.Key, _options.PolicyName, cancellationToken).ConfigureAwait(false);
        return exact.HasValue ? (exact.Value, default) : await FindSimilarAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Looks the prompt up by meaning, after the exact key missed.</summary>
    private async ValueTask<(ChatResponse? Response, SemanticCacheLookup Semantic)> FindSimilarAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        if (_semanticCache is null || request.SemanticScope is null)
        {
            return (null, default);
        }

        SemanticCacheLookup lookup;
        try
        {
            lookup = await _semanticCache.FindAsync(request.SemanticScope, request.Prompt!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An embedding outage or rate limit must not fail a request the provider can answer; without an
            // embedding nothing is remembered for this prompt either.
            LogSemanticLookupFailed(_logger, ex);
            return (null, default);
        }

        if (lookup.IsMatch && lookup.Key != request.Key)
        {
            var similar = await _cache.TryGetAsync<ChatResponse>(lookup.Key!, _options.PolicyName, cancellationToken).ConfigureAwait(false);
            if (similar.HasValue)
            {
                return (similar.Value, lookup);
            }
        }

        return (null, lookup);
    }

    private static bool IsTextOnly(ChatMessage message)
    {
        foreach (var content in message.Contents)
        {
            if (content is not TextContent)
            {
                return false;
            }
        }

        return true;
    }

    private void Remember(ChatRequest request, SemanticCacheLookup lookup)
    {
        if (_semanticCache is not null && request.SemanticScope is not null && !lookup.Embedding.IsEmpty)
        {
            _semanticCache.Add(request.SemanticScope, request.Prompt!, request.Key, lookup.Embedding);
        }
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Warning, Message = "The semantic cache lookup failed; continuing with the exact key only.")]
    private static partial void LogSemanticLookupFailed(ILogger logger, Exception exception);

    private sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, string Key, string? SemanticScope, string? Prompt);
}
