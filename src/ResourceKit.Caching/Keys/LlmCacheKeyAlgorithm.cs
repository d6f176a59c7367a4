namespace ResourceKit.Caching.Keys;

/// <summary>The digest an <see cref="LlmCacheKeyBuilder"/> produces.</summary>
public enum LlmCacheKeyAlgorithm
{
    /// <summary>
    /// XxHash128: 32 hex digits, several times faster than SHA-256. Accidental collisions are negligible, but
    /// collisions can be forged: a caller who can choose the content of a request (a prompt, a tool result, a
    /// document) can make it share a key with another request, and be served that request's answer or plant an answer
    /// for it. Safe only when every request that reaches the cache comes from a trusted party, for example a
    /// single-user host whose prompts are all written by its own code.
    /// </summary>
    XxHash128 = 0,

    /// <summary>SHA-256: 64 hex digits; collisions cannot be found, so no request can be made to share another's key. The default.</summary>
    Sha256 = 1,
}
