namespace ResourceKit.Caching;

/// <summary>
/// The names of the built-in policies, one per data category of the cache strategy matrix. Their defaults
/// are in <see cref="TieredCacheOptions.Policies"/>; override or add policies there.
/// </summary>
public static class CachePolicyNames
{
    /// <summary>Used when a call names no policy: L1 + L2, one hour.</summary>
    public const string Default = "default";

    /// <summary>LLM chat responses: L1 + L2, one hour.</summary>
    public const string LlmResponses = "llm-responses";

    /// <summary>Embeddings: L1 + L2 + L3, 24 hours.</summary>
    public const string Embeddings = "embeddings";

    /// <summary>User preferences: L1 + L2 + L3, for a session.</summary>
    public const string UserPreferences = "user-preferences";

    /// <summary>Fetched web pages: L2 only, five minutes.</summary>
    public const string BrowserPages = "browser-pages";

    /// <summary>System configuration: L1 + L2, one hour.</summary>
    public const string SystemConfiguration = "system-configuration";

    /// <summary>Conversation history: L1 only, for a session.</summary>
    public const string ConversationHistory = "conversation-history";
}
