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

/// <summary>BitFaster's ConcurrentLfu (W-TinyLFU, fixed 1 % window) with its foreground scheduler.</summary>
internal sealed class BitFasterLfuReplayCache(int capacity) : IReplayCache
{
    private readonly ConcurrentLfu<long, long> _cache = new(1, capacity, new ForegroundScheduler(), EqualityComparer<long>.Default);

    public bool Request(long key)
    {
        if (_cache.TryGet(key, out _))
        {
            return true;
        }

        _cache.AddOrUpdate(key, key);
        return false;
    }

    public void Dispose()
    {
    }
}

/// <summary>BitFaster's ConcurrentLru (a pseudo-LRU of hot, warm and cold queues).</summary>
internal sealed class BitFasterLruReplayCache(int capacity) : IReplayCache
{
    private readonly ConcurrentLru<long, long> _cache = new(capacity);

    public bool Request(long key)
    {
        if (_cache.TryGet(key, out _))
        {
            return true;
        }

        _cache.AddOrUpdate(key, key);
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
