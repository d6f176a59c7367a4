using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>Builds deterministic caches for tests: foreground maintenance and a fake clock.</summary>
internal static class TestCaches
{
    public static TinyLfuCache<int, int> Create(long capacity, FakeTimeProvider? time = null, Action<TinyLfuCacheOptions<int, int>>? configure = null) =>
        Create<int, int>(capacity, time, configure);

    public static TinyLfuCache<TKey, TValue> Create<TKey, TValue>(long capacity, FakeTimeProvider? time = null, Action<TinyLfuCacheOptions<TKey, TValue>>? configure = null)
        where TKey : notnull
    {
        var options = new TinyLfuCacheOptions<TKey, TValue>
        {
            Capacity = capacity,
            MaintenanceMode = CacheMaintenanceMode.Foreground,
        };
        configure?.Invoke(options);
        return new TinyLfuCache<TKey, TValue>(options, time ?? new FakeTimeProvider());
    }
}
