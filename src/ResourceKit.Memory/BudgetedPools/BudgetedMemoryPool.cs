using System.Diagnostics.Metrics;
using System.IO.Compression;
using ResourceKit.Diagnostics;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.Memory.BudgetedPools;

/// <summary>
/// A named memory budget holding tracked entries (declared size, last access, strong or weak reference). An addition
/// that would exceed the budget first releases collected weak entries, then evicts least-recently-used reclaimable
/// entries; if it still does not fit it is refused with a <see cref="MemoryPoolAllocation"/> result, and nothing is
/// evicted in vain. Byte entries above a threshold can be stored compressed. Under memory pressure it trims its
/// reclaimable entries, least recently used first, down to <see cref="BudgetedMemoryPoolOptions.MinBytes"/>.
/// </summary>
public sealed class BudgetedMemoryPool : IMemoryReclaimer, IDisposable
{
    // Collected weak entries cost nothing to drop, so they go before any live entry.
    private static readonly Func<PoolEntry, bool>[] EvictionPasses = [e => e.IsCollected, e => e.Reclaimable];

    private readonly Lock _gate = new();
    private readonly BudgetedMemoryPoolOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly IDisposable _instruments;
    private readonly Dictionary<string, PoolEntry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<PoolEntry> _lru = new(); // head: least recently used
    private long _used;
    private long _allocations;
    private long _rejections;
    private long _evictions;
    private long _evictedBytes;
    private long _hits;
    private long _misses;
    private int _compressedEntries;
    private long _compressionSavings;

    /// <summary>Initializes a new instance of the <see cref="BudgetedMemoryPool"/> class.</summary>
    /// <param name="options">The name, budget and compression settings; copied, so later changes have no effect.</param>
    /// <param name="timeProvider">The clock for last-access times; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public BudgetedMemoryPool(BudgetedMemoryPoolOptions options, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsErrors.ThrowIfAny(options.Validate(), nameof(options));
        _options = options.Clone();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _instruments = SharedObservableInstruments<MemoryPoolStatistics>.Register(_meter, () => Statistics, new KeyValuePair<string, object?>("pool", _options.Name), CreateInstruments);
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <inheritdoc />
    public int Priority => _options.Priority;

    /// <summary>Gets a snapshot of the pool's usage and counters.</summary>
    public MemoryPoolStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new(_options.Name, _used, _options.MinBytes, _options.MaxBytes, _entries.Count, _allocations, _rejections, _evictions, _evictedBytes, _hits, _misses, _compressedEntries, _compressionSavings);
            }
        }
    }

    /// <summary>Adds (or replaces) an entry of a declared size.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value.</param>
    /// <param name="sizeBytes">The bytes the entry counts against the budget.</param>
    /// <param name="reference">Whether the pool keeps the value alive.</param>
    /// <param name="reclaimable">Whether the entry may be evicted to make room or under pressure.</param>
    /// <returns>What happened; check <see cref="MemoryPoolAllocation.Succeeded"/>.</returns>
    public MemoryPoolAllocation TryAdd(string key, object value, long sizeBytes, MemoryPoolReference reference = MemoryPoolReference.Strong, bool reclaimable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        if (!Enum.IsDefined(reference))
        {
            throw new ArgumentOutOfRangeException(nameof(reference), reference, "Unknown reference kind.");
        }

        var weak = reference == MemoryPoolReference.Weak ? new WeakReference(value) : null;
        return Add(key, weak is null ? value : null, weak, sizeBytes, reclaimable, compressed: false, savedBytes: 0);
    }

    /// <summary>Adds (or replaces) a byte entry; above the threshold, and when enabled, it is stored compressed and counts its compressed size.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="data">The bytes (copied).</param>
    /// <param name="reclaimable">Whether the entry may be evicted.</param>
    /// <returns>What happened; check <see cref="MemoryPoolAllocation.Succeeded"/>.</returns>
    public MemoryPoolAllocation TryAddBytes(string key, ReadOnlySpan<byte> data, bool reclaimable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (_options.CompressLargeEntries && data.Length > _options.CompressionThresholdBytes)
        {
            var compressed = Compress(data);
            if (compressed.Length < data.Length)
            {
                return Add(key, compressed, null, compressed.Length, reclaimable, compressed: true, savedBytes: data.Length - compressed.Length);
            }
        }

        return Add(key, data.ToArray(), null, data.Length, reclaimable, compressed: false, savedBytes: 0);
    }

    /// <summary>Looks up an entry's value and marks it as recently used.</summary>
    /// <typeparam name="T">The expected value type.</typeparam>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The value when found.</param>
    /// <returns><see langword="true"/> when a live value of type <typeparamref name="T"/> was found.</returns>
    public bool TryGet<T>(string key, out T value)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && !entry.Compressed && entry.Value is T found)
            {
                Touch(entry);
                _hits++;
                value = found;
                return true;
            }

            if (entry is not null && entry.IsCollected)
            {
                RemoveLocked(entry, evicted: true);
            }

            _misses++;
            value = default!;
            return false;
        }
    }

    /// <summary>Looks up a byte entry, decompressing it if it was stored compressed, and marks it as recently used.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="data">A copy of the original bytes when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGetBytes(string key, out byte[] data)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[]? stored;
        bool compressed;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Value is not byte[] bytes)
            {
                _misses++;
                data = [];
                return false;
            }

            Touch(entry);
            _hits++;
            stored = bytes;
            compressed = entry.Compressed;
        }

        data = compressed ? Decompress(stored) : (byte[])stored.Clone();
        return true;
    }

    /// <summary>Removes an entry and releases its bytes.</summary>
    /// <param name="key">The entry's key.</param>
    /// <returns><see langword="true"/> when an entry was removed.</returns>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return false;
            }

            RemoveLocked(entry, evicted: false);
            return true;
        }
    }

    /// <summary>Evicts reclaimable entries, least recently used first, until about <paramref name="fraction"/> of the used bytes are released, never going below <see cref="BudgetedMemoryPoolOptions.MinBytes"/>.</summary>
    /// <param name="fraction">The share of used bytes to release, 0–1.</param>
    /// <returns>The bytes released.</returns>
    public long Trim(double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));

        lock (_gate)
        {
            var aboveMinimum = _used - Math.Min(_used, _options.MinBytes);
            return EvictLocked(Math.Min((long)Math.Ceiling(_used * fraction), aboveMinimum), out _, aboveMinimum);
        }
    }

    /// <summary>Releases the pool's meter (when it was not created by a factory). Entries stay readable.</summary>
    public void Dispose()
    {
        _instruments.Dispose();
        MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);
    }

    private static void CreateInstruments(Meter meter, SharedObservableInstruments<MemoryPoolStatistics> pools)
    {
        meter.CreateObservableGauge("resourcekit.memory.pool.used", () => pools.Observe(s => s.UsedBytes), "By", "Bytes tracked by the budgeted pool.");
        meter.CreateObservableGauge("resourcekit.memory.pool.utilization", () => pools.Observe(s => s.Utilization), "1", "Used bytes divided by the pool's budget.");
        meter.CreateObservableCounter("resourcekit.memory.pool.evictions", () => pools.Observe(s => s.Evictions), "{entry}", "Entries evicted.");
        meter.CreateObservableCounter("resourcekit.memory.pool.rejections", () => pools.Observe(s => s.Rejections), "{entry}", "Additions refused because they did not fit.");
    }

    private MemoryPoolAllocation Add(string key, object? strong, WeakReference? weak, long size, bool reclaimable, bool compressed, long savedBytes)
    {
        lock (_gate)
        {
            if (size > _options.MaxBytes)
            {
                _rejections++;
                return new(MemoryPoolAllocationStatus.TooLarge, size, 0, 0);
            }

            _entries.TryGetValue(key, out var existing);
            var needed = _used - (existing?.SizeBytes ?? 0) + size - _options.MaxBytes;
            if (needed > 0 && Reclaimable(existing) < needed)
            {
                _rejections++;
                return new(MemoryPoolAllocationStatus.BudgetExhausted, size, 0, 0);
            }

            if (existing is not null)
            {
                RemoveLocked(existing, evicted: false);
            }

            var evictedCount = 0;
            var freed = needed > 0 ? EvictLocked(needed, out evictedCount) : 0;
            var entry = new PoolEntry(key, strong, weak, size, reclaimable, compressed, _timeProvider.GetTimestamp());
            entry.Node = _lru.AddLast(entry);
            _entries[key] = entry;
            _used += size;
            _allocations++;
            _compressionSavings += savedBytes;
            _compressedEntries += compressed ? 1 : 0;
            return new(MemoryPoolAllocationStatus.Added, size, evictedCount, freed);
        }
    }

    /// <summary>Bytes that eviction could release, not counting <paramref name="excluded"/> (which is being replaced).</summary>
    private long Reclaimable(PoolEntry? excluded)
    {
        long total = 0;
        foreach (var entry in _lru)
        {
            if (!ReferenceEquals(entry, excluded) && (entry.Reclaimable || entry.IsCollected))
            {
                total += entry.SizeBytes;
            }
        }

        return total;
    }

    /// <summary>Releases collected weak entries first, then reclaimable ones least recently used first, until <paramref name="target"/> bytes are freed.</summary>
    /// <summary>Evicts until <paramref name="target"/> bytes are freed, skipping any entry that would take the total freed past <paramref name="limit"/>.</summary>
    private long EvictLocked(long target, out int count, long limit = long.MaxValue)
    {
        long freed = 0;
        count = 0;
        foreach (var pass in EvictionPasses)
        {
            for (var node = _lru.First; node is not null && freed < target;)
            {
                var next = node.Next;
                if (pass(node.Value) && node.Value.SizeBytes <= limit - freed)
                {
                    freed += node.Value.SizeBytes;
                    count++;
                    RemoveLocked(node.Value, evicted: true);
                }

                node = next;
            }
        }

        return freed;
    }

    private void RemoveLocked(PoolEntry entry, bool evicted)
    {
        _entries.Remove(entry.Key);
        _lru.Remove(entry.Node!);
        _used -= entry.SizeBytes;
        _compressedEntries -= entry.Compressed ? 1 : 0;
        if (evicted)
        {
            _evictions++;
            _evictedBytes += entry.SizeBytes;
        }
    }

    private void Touch(PoolEntry entry)
    {
        entry.LastAccess = _timeProvider.GetTimestamp();
        _lru.Remove(entry.Node!);
        _lru.AddLast(entry.Node!);
    }

    private static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length / 2);
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(byte[] data)
    {
        using var input = new MemoryStream(data);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream(data.Length * 4);
        zlib.CopyTo(output);
        return output.ToArray();
    }
}
