using System.Runtime.InteropServices;

namespace ResourceKit.Memory.ObjectPooling;

/// <summary>One per-processor stripe of a <see cref="BoundedObjectPool{T}"/>, padded to its own cache lines.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PoolSlot
{
    /// <summary>The retained object, or null.</summary>
    [FieldOffset(64)]
    public object? Item;

    /// <summary>Gets through this stripe (plain increments: statistics, not synchronisation).</summary>
    [FieldOffset(72)]
    public long Rented;

    /// <summary>Returns through this stripe.</summary>
    [FieldOffset(80)]
    public long Returned;
}
