namespace ResourceKit.Caching.Keys;

/// <summary>The digest an <see cref="LlmCacheKeyBuilder"/> produces.</summary>
public enum LlmCacheKeyAlgorithm
{
    /// <summary>XxHash128: 32 hex digits, very fast; collisions are negligible for accidental inputs but can be forged.</summary>
    XxHash128 = 0,

    /// <summary>SHA-256: 64 hex digits; use it when callers could craft colliding requests to read another's response.</summary>
    Sha256 = 1,
}
