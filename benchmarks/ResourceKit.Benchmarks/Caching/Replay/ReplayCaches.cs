using BitFaster.Caching;
using BitFaster.Caching.Lfu;
using BitFaster.Caching.Lru;
using BitFaster.Caching.Scheduler;
using Microsoft.Extensions.Caching.Memory;
using ResourceKit.Caching;

namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>One cache under replay: a request is a lookup, and on a miss, an insert.</summary>
internal interface IReplayCache : IDisposable
{
    /// <summary>Requests a key; returns true on a hit.</summary>
    bool Request(long key);
}

/// <summary>ResourceKit's TinyLfuCache with deterministic (foreground) maintenance.</summary>
internal sealed class TinyLfuReplayCache(int capacity, bool adaptive) : IReplayCache
{
    private readonly TinyLfuCache<long, long> _cache = new(new TinyLfuCacheOptions<long, long>
    {
        Capacity = capacity,
        AdaptiveWindow = adaptive,
        MaintenanceMode = CacheMaintenanceMode.Foreground,
    });

    public bool Request(long key)
    {
        if (_cache.TryGet(key, out _))
        {
            return true;
        }

        _cache.Set(key, key);
        return false;
    }

    public void Dispose() => _cache.Dispose();
}

/// <summary>
/// A BitFaster cache: <see cref="ConcurrentLfu{K, V}"/> (W-TinyLFU) with its foreground scheduler,
/// or <see cref="ConcurrentLru{K, V}"/> (a pseudo-LRU of hot, warm and cold queues).
/// </summary>
internal sealed class BitFasterReplayCache(ICache<long, long> cache) : IReplayCache
{
    public static BitFasterReplayCache Lfu(int capacity) =>
        new(new ConcurrentLfu<long, long>(1, capacity, new ForegroundScheduler(), EqualityComparer<long>.Default));

    public static BitFasterReplayCache Lru(int capacity) => new(new ConcurrentLru<long, long>(capacity));

    public bool Request(long key)
    {
        if (cache.TryGet(key, out _))
        {
            return true;
        }

        cache.AddOrUpdate(key, key);
        return false;
    }

    public void Dispose()
    {
    }
}

/// <summary>Microsoft.Extensions.Caching.Memory with a size limit (each entry has size 1).</summary>
internal sealed class MemoryCacheReplayCache(int capacity) : IReplayCache
{
    private static readonly MemoryCacheEntryOptions EntryOptions = new() { Size = 1 };
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = capacity });

    public bool Request(long key)
    {
        if (_cache.TryGetValue(key, out _))
        {
            return true;
        }

        _cache.Set(key, key, EntryOptions);
        return false;
    }

    public void Dispose() => _cache.Dispose();
}

/// <summary>Exact LRU, as a reference.</summary>
internal sealed class LruReplayCache(int capacity) : IReplayCache
{
    private readonly Dictionary<long, LinkedListNode<long>> _map = new(capacity);
    private readonly LinkedList<long> _order = new();

    public bool Request(long key)
    {
        if (_map.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddLast(node);
            return true;
        }

        if (_map.Count >= capacity)
        {
            var oldest = _order.First!;
            _order.RemoveFirst();
            _map.Remove(oldest.Value);
        }

        _map[key] = _order.AddLast(key);
        return false;
    }

    public void Dispose()
    {
    }
}
