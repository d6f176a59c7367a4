using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.BudgetedPools;

/// <summary>
/// The named <see cref="BudgetedMemoryPool"/>s of a host (the seed's <c>create_pool(name, min, max)</c>), looked up by
/// name, with one statistics view over all of them. As an <see cref="IMemoryReclaimer"/> it trims every pool.
/// </summary>
public sealed class MemoryPoolRegistry : IMemoryReclaimer, IDisposable
{
    private readonly ConcurrentDictionary<string, BudgetedMemoryPool> _pools = new(StringComparer.Ordinal);
    private readonly Lock _creationGate = new();
    private readonly TimeProvider _timeProvider;
    private readonly IMeterFactory? _meterFactory;

    /// <summary>Initializes a new instance of the <see cref="MemoryPoolRegistry"/> class.</summary>
    /// <param name="pools">Pools to create up front, by name (for example from configuration); the key overrides each options' name.</param>
    /// <param name="timeProvider">The clock for the pools; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="meterFactory">The factory for the pools' <c>ResourceKit.Memory</c> meter.</param>
    public MemoryPoolRegistry(IReadOnlyDictionary<string, BudgetedMemoryPoolOptions>? pools = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _meterFactory = meterFactory;
        foreach (var (name, options) in pools ?? new Dictionary<string, BudgetedMemoryPoolOptions>())
        {
            GetOrCreate(name, options);
        }
    }

    /// <inheritdoc />
    public string Name => "memory-pools";

    /// <inheritdoc />
    public int Priority => 20;

    /// <summary>Gets the statistics of every pool.</summary>
    public IReadOnlyList<MemoryPoolStatistics> Statistics => [.. _pools.Values.Select(p => p.Statistics).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>Gets the pool named <paramref name="name"/>, creating it with <paramref name="options"/> (or defaults) the first time.</summary>
    /// <param name="name">The pool's name.</param>
    /// <param name="options">The budget for a new pool; ignored when the pool exists. Its <c>Name</c> is replaced by <paramref name="name"/>.</param>
    /// <returns>The pool.</returns>
    public BudgetedMemoryPool GetOrCreate(string name, BudgetedMemoryPoolOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_pools.TryGetValue(name, out var existing))
        {
            return existing;
        }

        // Not ConcurrentDictionary.GetOrAdd: under contention it can run the factory twice, and a pool that loses the
        // race has already published its metric instruments (a second pool=<name> series reporting 0 forever).
        lock (_creationGate)
        {
            if (_pools.TryGetValue(name, out existing))
            {
                return existing;
            }

            var source = options ?? new BudgetedMemoryPoolOptions();
            var named = new BudgetedMemoryPoolOptions
            {
                Name = name,
                MinBytes = source.MinBytes,
                MaxBytes = source.MaxBytes,
                CompressLargeEntries = source.CompressLargeEntries,
                CompressionThresholdBytes = source.CompressionThresholdBytes,
                Priority = source.Priority,
            };
            OptionsErrors.ThrowIfAny(named.Validate(), nameof(options));
            var pool = new BudgetedMemoryPool(named, _timeProvider, _meterFactory);
            _pools[name] = pool;
            return pool;
        }
    }

    /// <summary>Looks up an existing pool.</summary>
    /// <param name="name">The pool's name.</param>
    /// <param name="pool">The pool when found.</param>
    /// <returns><see langword="true"/> when a pool with that name exists.</returns>
    public bool TryGet(string name, out BudgetedMemoryPool pool)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _pools.TryGetValue(name, out pool!);
    }

    /// <summary>Trims every pool by <paramref name="fraction"/>.</summary>
    /// <param name="fraction">The share of each pool's used bytes to release, 0–1.</param>
    /// <returns>The bytes released over all pools.</returns>
    public long Trim(double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));
        return _pools.Values.Sum(p => p.Trim(fraction));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var pool in _pools.Values)
        {
            pool.Dispose();
        }
    }
}
