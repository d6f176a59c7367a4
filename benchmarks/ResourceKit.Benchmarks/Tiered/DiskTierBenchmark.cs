using BenchmarkDotNet.Attributes;
using ResourceKit.Caching;
using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Disk;

namespace ResourceKit.Benchmarks.Tiered;

/// <summary>
/// L2 (disk only, the browser-pages policy) write and read of LLM-response-sized text, without and with Brotli.
/// Each read goes to disk, checks the checksum, decompresses and deserializes. Bytes on disk are printed per case.
/// </summary>
[MemoryDiagnoser]
public class DiskTierBenchmark
{
    private const int Keys = 64;
    private string _folder = null!;
    private DiskCacheStore _disk = null!;
    private TieredCache _cache = null!;
    private string _payload = null!;
    private int _next;

    [Params(1, 10, 50)]
    public int PayloadKilobytes { get; set; }

    [Params(CacheCompressionAlgorithm.None, CacheCompressionAlgorithm.Brotli)]
    public CacheCompressionAlgorithm Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "rk-bench-l2", Guid.NewGuid().ToString("N"));
        _disk = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder });
        var options = new TieredCacheOptions { Compression = Compression };
        _cache = new TieredCache(options, _disk);
        _payload = LlmResponseText.Create(PayloadKilobytes * 1024, seed: 7);
        for (var i = 0; i < Keys; i++)
        {
            _cache.SetAsync($"page-{i}", LlmResponseText.Create(PayloadKilobytes * 1024, seed: i), CachePolicyNames.BrowserPages).AsTask().GetAwaiter().GetResult();
        }

        var statistics = _disk.Statistics;
        Console.WriteLine($"// BYTES-ON-DISK payload={PayloadKilobytes}KB compression={Compression} bytesPerRecord={statistics.Bytes / statistics.Entries} ratio={(double)statistics.Bytes / statistics.Entries / (PayloadKilobytes * 1024):F3}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _disk.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark]
    public ValueTask Write() => _cache.SetAsync($"write-{_next++ % Keys}", _payload, CachePolicyNames.BrowserPages);

    [Benchmark]
    public async Task<int> Read()
    {
        var result = await _cache.TryGetAsync<string>($"page-{_next++ % Keys}", CachePolicyNames.BrowserPages).ConfigureAwait(false);
        return result.Value!.Length;
    }
}
