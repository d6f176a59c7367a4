namespace ResourceKit.Caching.Compression;

/// <summary>How values above the compression threshold are compressed before they reach disk or Redis.</summary>
/// <remarks>The numeric values are written into every stored record; never renumber them.</remarks>
public enum CacheCompressionAlgorithm
{
    /// <summary>Values are stored as serialized.</summary>
    None = 0,

    /// <summary>Brotli from the BCL: the best ratio on text such as LLM responses.</summary>
    Brotli = 1,

    /// <summary>ZLib (deflate) from the BCL: faster to compress, a little larger.</summary>
    ZLib = 2,
}
