using Microsoft.Extensions.AI;
using ResourceKit.Caching.Keys;

namespace ResourceKit.Caching.Chat;

/// <summary>Options for <see cref="TieredCachingChatClient"/>.</summary>
public sealed class TieredChatCacheOptions
{
    /// <summary>The default <see cref="ChatOptions.AdditionalProperties"/> entry that carries the isolation scope.</summary>
    public const string DefaultScopePropertyName = "resourcekit.cache.scope";

    /// <summary>Gets or sets the cache policy of chat responses.</summary>
    /// <value>The default value is <see cref="CachePolicyNames.LlmResponses"/> (L1 + L2, one hour).</value>
    public string PolicyName { get; set; } = CachePolicyNames.LlmResponses;

    /// <summary>
    /// Gets or sets the digest used for response keys. <see cref="LlmCacheKeyAlgorithm.XxHash128"/> is faster but its
    /// collisions can be forged: choose it only when every request comes from a trusted party.
    /// </summary>
    /// <value>The default value is <see cref="LlmCacheKeyAlgorithm.Sha256"/>.</value>
    public LlmCacheKeyAlgorithm KeyAlgorithm { get; set; } = LlmCacheKeyAlgorithm.Sha256;

    /// <summary>
    /// Gets or sets the <see cref="ChatOptions.AdditionalProperties"/> entry whose value is the isolation scope
    /// (for example <c>"tenant-7/user-42"</c>) when <see cref="ScopeSelector"/> is not set.
    /// </summary>
    /// <value>The default value is <see cref="DefaultScopePropertyName"/>.</value>
    public string ScopePropertyName { get; set; } = DefaultScopePropertyName;

    /// <summary>
    /// Gets or sets a function that returns the isolation scope (tenant, user) of a request. Requests with different
    /// scopes never share a cached answer, exact or semantic.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the scope is read from <see cref="ScopePropertyName"/>.</value>
    public Func<IEnumerable<ChatMessage>, ChatOptions?, string?>? ScopeSelector { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether requests without an isolation scope bypass the cache. Turn it on in a
    /// multi-user host, so that a request that forgot its scope is never answered with another user's response.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: unscoped requests share answers within the cache's tenant
    /// (<see cref="TieredCacheOptions.TenantId"/>), which suits a single-user agent host.</value>
    public bool RequireScope { get; set; }
}
