namespace ResourceKit.Caching;

/// <summary>What the header of a stored value says about reading it as a given type.</summary>
internal enum CacheEnvelopeStatus
{
    /// <summary>A value of the requested type in the current format.</summary>
    Readable,

    /// <summary>A value stored as another type: a miss for this read, left in place for readers of that type.</summary>
    OtherType,

    /// <summary>A value written by an older version of the format, which cannot be checked: a miss, removed quietly from disk and left in Redis for hosts not yet upgraded.</summary>
    OlderFormat,
}
