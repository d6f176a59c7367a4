using System.Diagnostics;

namespace ResourceKit.Memory.ResourcePooling;

/// <summary>One open resource and its bookkeeping. Mutated only under the pool's lock.</summary>
internal sealed class PooledResource<T>(T value, long createdAt)
{
    public T Value { get; } = value;

    public long CreatedAt { get; } = createdAt;

    public long LastReturnedAt { get; set; } = createdAt;

    /// <summary>Gets or sets the id of the current lease; 0 when idle.</summary>
    public long LeaseId { get; set; }

    public long AcquiredAt { get; set; }

    public StackTrace? AcquiredFrom { get; set; }

    public bool Broken { get; set; }

    /// <summary>Gets or sets the lease id last reported as a leak, so a lease is reported once.</summary>
    public long ReportedLeakLeaseId { get; set; }
}
