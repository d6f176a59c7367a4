using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.ObjectPool;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.ObjectPooling;

/// <summary>
/// An <see cref="ObjectPool{T}"/> that works with any <see cref="IPooledObjectPolicy{T}"/> (and so with
/// <see cref="IResettable"/> objects through <see cref="DefaultPooledObjectPolicy{T}"/>) and adds a hard bound on
/// retained objects, statistics, and trimming under memory pressure as an <see cref="IMemoryReclaimer"/>.
/// </summary>
/// <remarks>
/// Retained objects live first in one slot per processor (no contention between cores), then in a shared
/// overflow queue; slots plus queue never hold more than <see cref="BoundedObjectPoolOptions.MaximumRetained"/>.
/// Dropped and trimmed objects that implement <see cref="IDisposable"/> are disposed.
/// </remarks>
/// <typeparam name="T">The pooled type.</typeparam>
public sealed class BoundedObjectPool<T> : ObjectPool<T>, IMemoryReclaimer, IDisposable
    where T : class
{
    private readonly IPooledObjectPolicy<T> _policy;
    private readonly PooledObjectPolicy<T>? _fastPolicy;
    private readonly bool _skipReturnPolicy;
    private readonly PoolSlot[] _slots;
    private readonly int _mask;
    private readonly ConcurrentQueue<T> _overflow = new();
    private readonly int _overflowCapacity;
    private readonly int _maximumRetained;
    private readonly long _estimatedObjectBytes;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly IDisposable _instruments;
    private int _overflowCount;
    private long _created;
    private long _dropped;
    private long _trimmed;
    private volatile bool _disposed;
    private IDisposable? _registration;

    /// <summary>Initializes a new instance of the <see cref="BoundedObjectPool{T}"/> class.</summary>
    /// <param name="policy">Creates objects and decides whether a returned one may be kept.</param>
    /// <param name="options">The bound, name and reclaimer settings; defaults when <see langword="null"/>.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter; the counters are observed from <see cref="Statistics"/>, so they cost nothing per call.</param>
    public BoundedObjectPool(IPooledObjectPolicy<T> policy, BoundedObjectPoolOptions? options = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        options ??= new BoundedObjectPoolOptions();
        OptionsErrors.ThrowIfAny(options.Validate(), nameof(options));
        _policy = policy;
        _fastPolicy = policy as PooledObjectPolicy<T>;

        // DefaultPooledObjectPolicy.Return only calls IResettable.TryReset: skip the call when T cannot reset.
        var policyType = policy.GetType();
        _skipReturnPolicy = policyType.IsGenericType && policyType.GetGenericTypeDefinition() == typeof(DefaultPooledObjectPolicy<>)
            && !typeof(IResettable).IsAssignableFrom(typeof(T));
        _maximumRetained = options.MaximumRetained;
        var stripes = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount), BitOperations.RoundUpToPowerOf2((uint)_maximumRetained + 1) / 2);
        _slots = new PoolSlot[stripes];
        _mask = stripes - 1;
        _overflowCapacity = _maximumRetained - stripes;
        _estimatedObjectBytes = options.EstimatedObjectBytes;
        Name = options.Name;
        Priority = options.Priority;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _instruments = SharedObservableInstruments<ObjectPoolStatistics>.Register(_meter, () => Statistics, new("pool", Name), CreateInstruments);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int Priority { get; }

    /// <summary>Gets a snapshot of the pool's counters.</summary>
    public ObjectPoolStatistics Statistics
    {
        get
        {
            long rented = 0, returned = 0;
            var retained = Volatile.Read(ref _overflowCount);
            for (var i = 0; i < _slots.Length; i++)
            {
                rented += Volatile.Read(ref _slots[i].Rented);
                returned += Volatile.Read(ref _slots[i].Returned);
                retained += Volatile.Read(ref _slots[i].Item) is null ? 0 : 1;
            }

            return new ObjectPoolStatistics(rented, returned, Interlocked.Read(ref _created), Interlocked.Read(ref _dropped), Interlocked.Read(ref _trimmed), Math.Min(retained, _maximumRetained), _maximumRetained);
        }
    }

    /// <inheritdoc />
    public override T Get()
    {
        ref var slot = ref Slot();
        slot.Rented++;
        var item = slot.Item;
        if (item is not null && Interlocked.CompareExchange(ref slot.Item, null, item) == item)
        {
            return Unsafe.As<T>(item);
        }

        return GetSlow();
    }

    /// <inheritdoc />
    public override void Return(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ref var slot = ref Slot();
        slot.Returned++;
        if (!_skipReturnPolicy && !(_fastPolicy?.Return(obj) ?? _policy.Return(obj)))
        {
            Drop(obj);
            return;
        }

        if (slot.Item is null && !_disposed && Interlocked.CompareExchange(ref slot.Item, obj, null) is null)
        {
            DrainIfDisposed();
            return;
        }

        ReturnSlow(obj);
    }

    /// <summary>Discards about <paramref name="fraction"/> of the retained objects, overflow first.</summary>
    /// <param name="fraction">The share to discard, 0–1.</param>
    /// <returns>The discarded count times <see cref="BoundedObjectPoolOptions.EstimatedObjectBytes"/>.</returns>
    public long Trim(double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));

        return TrimCore((int)Math.Ceiling(Statistics.Retained * fraction)) * _estimatedObjectBytes;
    }

    /// <summary>Discards every retained object and unregisters the pool from reclamation; later returns are dropped.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Interlocked.Exchange(ref _registration, null)?.Dispose();
        TrimCore(int.MaxValue); // not Trim(1): its count, taken first, would miss an object a racing Return adds
        _instruments.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    /// <summary>Takes ownership of this pool's reclaimer registration, ended on dispose (at once if already disposed).</summary>
    internal void OwnRegistration(IDisposable registration)
    {
        Volatile.Write(ref _registration, registration);
        if (_disposed)
        {
            Interlocked.Exchange(ref _registration, null)?.Dispose();
        }
    }

    /// <summary>One set of instruments per meter for every pool on it, whatever its type: a disposed pool leaves nothing behind.</summary>
    private static void CreateInstruments(Meter meter, SharedObservableInstruments<ObjectPoolStatistics> pools)
    {
        meter.CreateObservableCounter("resourcekit.memory.object_pool.rented", () => pools.Observe(s => s.Rented), "{object}", "Objects rented.");
        meter.CreateObservableCounter("resourcekit.memory.object_pool.returned", () => pools.Observe(s => s.Returned), "{object}", "Objects returned.");
        meter.CreateObservableCounter("resourcekit.memory.object_pool.created", () => pools.Observe(s => s.Created), "{object}", "Objects created because the pool was empty.");
        meter.CreateObservableCounter("resourcekit.memory.object_pool.dropped", () => pools.Observe(s => s.Dropped), "{object}", "Returned objects discarded.");
        meter.CreateObservableGauge("resourcekit.memory.object_pool.retained", () => pools.Observe(s => s.Retained), "{object}", "Objects held by the pool now.");
    }

    private int TrimCore(int target)
    {
        var removed = 0;
        while (removed < target && _overflow.TryDequeue(out var queued))
        {
            Interlocked.Decrement(ref _overflowCount);
            Discard(queued);
            removed++;
        }

        for (var i = _slots.Length - 1; i >= 0 && removed < target; i--)
        {
            if (Interlocked.Exchange(ref _slots[i].Item, null) is T item)
            {
                Discard(item);
                removed++;
            }
        }

        Interlocked.Add(ref _trimmed, removed);
        return removed;
    }

    /// <summary>
    /// Called after an object was stored: a Dispose that ran between the store's disposed check and the store
    /// may have drained the pool already, leaving the object retained and never disposed, so drain it here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DrainIfDisposed()
    {
        if (_disposed)
        {
            TrimCore(int.MaxValue);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref PoolSlot Slot() =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), Thread.GetCurrentProcessorId() & _mask);

    private T GetSlow()
    {
        if (_overflow.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _overflowCount);
            return item;
        }

        // Another stripe may hold one (this thread moved cores, or few threads and many cores).
        for (var i = 0; i < _slots.Length; i++)
        {
            var candidate = _slots[i].Item;
            if (candidate is not null && Interlocked.CompareExchange(ref _slots[i].Item, null, candidate) == candidate)
            {
                return Unsafe.As<T>(candidate);
            }
        }

        Interlocked.Increment(ref _created);
        return _policy.Create();
    }

    private void ReturnSlow(T obj)
    {
        if (!_disposed)
        {
            // Other stripes' slots count toward the bound too; fill them before the overflow queue.
            for (var i = 0; i < _slots.Length; i++)
            {
                if (_slots[i].Item is null && Interlocked.CompareExchange(ref _slots[i].Item, obj, null) is null)
                {
                    DrainIfDisposed();
                    return;
                }
            }

            if (Interlocked.Increment(ref _overflowCount) <= _overflowCapacity)
            {
                _overflow.Enqueue(obj);
                DrainIfDisposed();
                return;
            }

            Interlocked.Decrement(ref _overflowCount);
        }

        Drop(obj);
    }

    private void Drop(T obj)
    {
        Interlocked.Increment(ref _dropped);
        (obj as IDisposable)?.Dispose();
    }

    private static void Discard(T obj) => (obj as IDisposable)?.Dispose();
}
