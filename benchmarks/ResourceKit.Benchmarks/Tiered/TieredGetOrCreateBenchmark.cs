using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using ResourceKit.Caching;
using ResourceKit.Caching.Disk;
using ZiggyCreatures.Caching.Fusion;

namespace ResourceKit.Benchmarks.Tiered;

/// <summary>
/// Get-or-create on warm keys (the hit path every cached LLM call takes) with ResourceKit's L1+L2 tiered cache beside
/// FusionCache and HybridCache, the caches a user would otherwise stack. FusionCache and HybridCache run memory-only
/// here (their L2 needs an IDistributedCache and, for FusionCache, a serializer package); ResourceKit has its disk L2 on.
/// "ColdMemory" clears L1 first so every read comes from ResourceKit's disk tier.
/// </summary>
[MemoryDiagnoser]
public class TieredGetOrCreateBenchmark
{
    private const int KeyCount = 1_000;
    private static readonly Func<CancellationToken, ValueTask<string>> Factory = _ => ValueTask.FromResult("computed");
    private string[] _keys = null!;
    private string _folder = null!;
    private DiskCacheStore _disk = null!;
    private TieredCache _tiered = null!;
    private FusionCache _fusion = null!;
    private ServiceProvider _services = null!;
    private HybridCache _hybrid = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _keys = Enumerable.Range(0, KeyCount).Select(i => $"llm:{i:x8}").ToArray();
        _folder = Path.Combine(Path.GetTempPath(), "rk-bench-tiered", Guid.NewGuid().ToString("N"));
        _disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder });
        _tiered = new TieredCache(new TieredCacheOptions(), _disk);
        _fusion = new FusionCache(new FusionCacheOptions());
        _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        _hybrid = _services.GetRequiredService<HybridCache>();
        var value = LlmResponseText.Create(2048, seed: 1);
        foreach (var key in _keys)
        {
            await _tiered.SetAsync(key, value, CachePolicyNames.LlmResponses).ConfigureAwait(false);
            await _fusion.SetAsync(key, value, TimeSpan.FromHours(1)).ConfigureAwait(false);
            await _hybrid.SetAsync(key, value).ConfigureAwait(false);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tiered.Dispose();
        _disk.Dispose();
        _fusion.Dispose();
        _services.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = KeyCount)]
    public async Task<int> HybridCacheHit()
    {
        var total = 0;
        foreach (var key in _keys)
        {
            total += (await _hybrid.GetOrCreateAsync(key, Factory).ConfigureAwait(false)).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public async Task<int> FusionCacheHit()
    {
        var total = 0;
        foreach (var key in _keys)
        {
            total += (await _fusion.GetOrSetAsync<string>(key, (_, ct) => Task.FromResult("computed"), TimeSpan.FromHours(1)).ConfigureAwait(false)).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public async Task<int> ResourceKitTieredHit()
    {
        var total = 0;
        foreach (var key in _keys)
        {
            total += (await _tiered.GetOrCreateAsync(key, Factory, CachePolicyNames.LlmResponses).ConfigureAwait(false)).Length;
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = KeyCount)]
    public async Task<int> ResourceKitTieredColdMemory()
    {
        _tiered.ClearMemory();
        var total = 0;
        foreach (var key in _keys)
        {
            total += (await _tiered.GetOrCreateAsync(key, Factory, CachePolicyNames.LlmResponses).ConfigureAwait(false)).Length;
        }

        return total;
    }
}
