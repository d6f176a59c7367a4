namespace ResourceKit.Caching;

/// <summary>The state of the circuit breaker in front of the distributed tier.</summary>
public enum CacheCircuitState
{
    /// <summary>No distributed tier is configured.</summary>
    NotConfigured = -1,

    /// <summary>The distributed tier is used normally.</summary>
    Closed = 0,

    /// <summary>Too many recent failures: the distributed tier is skipped until the break ends.</summary>
    Open = 1,

    /// <summary>The break has ended and a trial call decides whether to close or open again.</summary>
    HalfOpen = 2,
}
