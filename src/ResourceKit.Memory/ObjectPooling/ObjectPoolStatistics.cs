namespace ResourceKit.Memory.ObjectPooling;

/// <summary>Counters of a <see cref="BoundedObjectPool{T}"/>.</summary>
/// <remarks>
/// <see cref="Rented"/> and <see cref="Returned"/> are kept per processor without atomic instructions so they
/// cost nothing on the hot path; under heavy concurrency they can miss a rare increment. The other counters are exact.
/// </remarks>
/// <param name="Rented">Calls to <c>Get</c>.</param>
/// <param name="Returned">Calls to <c>Return</c>.</param>
/// <param name="Created">Objects the policy created because the pool was empty.</param>
/// <param name="Dropped">Returned objects discarded because the pool was full or the policy rejected them.</param>
/// <param name="Trimmed">Retained objects discarded by <c>Trim</c>.</param>
/// <param name="Retained">Objects held by the pool now.</param>
/// <param name="MaximumRetained">The hard bound on <see cref="Retained"/>.</param>
public readonly record struct ObjectPoolStatistics(
    long Rented,
    long Returned,
    long Created,
    long Dropped,
    long Trimmed,
    int Retained,
    int MaximumRetained);
