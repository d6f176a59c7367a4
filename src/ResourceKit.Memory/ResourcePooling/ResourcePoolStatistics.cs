namespace ResourceKit.Memory.ResourcePooling;

/// <summary>A snapshot of a <see cref="ResourcePool{T}"/>'s counters and sizes.</summary>
/// <param name="Created">Resources opened.</param>
/// <param name="Destroyed">Resources closed, including those whose close failed or was abandoned after <see cref="ResourcePoolOptions.DestroyTimeout"/>.</param>
/// <param name="Acquired">Leases handed out.</param>
/// <param name="Released">Leases returned.</param>
/// <param name="ValidationFailures">Borrowed resources that failed validation and were replaced.</param>
/// <param name="Timeouts">Acquires that timed out.</param>
/// <param name="LeaksDetected">Leases reported as held past the leak threshold.</param>
/// <param name="Idle">Resources waiting in the pool now.</param>
/// <param name="InUse">Resources leased now.</param>
/// <param name="Waiting">Callers waiting for a resource now.</param>
/// <param name="Total">Resources being opened, open (idle or leased) or being closed now; never above the maximum size.</param>
/// <param name="DestroyTimeouts">Closes abandoned because they took longer than <see cref="ResourcePoolOptions.DestroyTimeout"/>; the pool stopped waiting for them. Each is also counted in <paramref name="Destroyed"/>, except the close of a resource an abandoned create opened late.</param>
/// <param name="Closing">Resources being closed now. Each keeps its place in <paramref name="Total"/> (under the maximum size) until its close ends or is abandoned after <see cref="ResourcePoolOptions.DestroyTimeout"/>.</param>
public readonly record struct ResourcePoolStatistics(
    long Created,
    long Destroyed,
    long Acquired,
    long Released,
    long ValidationFailures,
    long Timeouts,
    long LeaksDetected,
    int Idle,
    int InUse,
    int Waiting,
    int Total,
    long DestroyTimeouts,
    int Closing);
