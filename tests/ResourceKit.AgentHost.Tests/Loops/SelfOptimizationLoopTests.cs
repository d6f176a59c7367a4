using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class SelfOptimizationLoopTests
{
    private const long ConfiguredCapacity = 10_000; // the tiered cache's default memory capacity
    private readonly ScriptedMemory _memory = new();
    private readonly RecordingCollector _collector = new();
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-selfopt-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_GcOverheadAboveOnePercent_MovesTheGcToTheContinuousProfile()
    {
        await using var host = CreateHost();
        var gc = host.Services.GetRequiredService<GcTuner>();
        var loop = host.Services.GetRequiredService<SelfOptimizationLoop>();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        _collector.Pause(TimeSpan.FromSeconds(1)); // 1.7 % of the minute
        gc.Sample();

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(gc.Profile, Is.EqualTo(GcProfile.Continuous));
        Assert.That(loop.Adjustments, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_CriticalPressureThenNone_MovesToLowMemoryAndBackToTheConfiguredProfile()
    {
        // Before: the GC stayed in the low-memory profile for good after one pressure spike.
        await using var host = CreateHost();
        var gc = host.Services.GetRequiredService<GcTuner>();
        var monitor = host.Services.GetRequiredService<MemoryPressureMonitor>();
        var cache = host.Services.GetRequiredService<TieredCache>();
        var loop = host.Services.GetRequiredService<SelfOptimizationLoop>();

        _memory.Ratio = 0.90;
        Assert.That(monitor.Sample(), Is.EqualTo(MemoryPressureLevel.Critical));
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(gc.Profile, Is.EqualTo(GcProfile.LowMemory));
        Assert.That(cache.MemoryCapacity, Is.EqualTo(ConfiguredCapacity * 3 / 4));

        _memory.Ratio = 0.30;
        Assert.That(monitor.Sample(), Is.EqualTo(MemoryPressureLevel.Normal));
        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(gc.Profile, Is.EqualTo(GcProfile.Continuous), "appsettings.json configures the continuous profile");
        Assert.That(cache.MemoryCapacity, Is.EqualTo(ConfiguredCapacity * 3 / 4), "no lookups since the last run: no evidence to grow");
    }

    [Test]
    public async Task ExecuteAsync_LowHitRatioEveryPeriod_GrowsTheCacheToFourTimesItsSizeAndNoFurther()
    {
        // Before: +25 % every run without a bound (10,000 entries became 867,000 after twenty runs, ten hours).
        await using var host = CreateHost();
        var cache = host.Services.GetRequiredService<TieredCache>();
        var loop = host.Services.GetRequiredService<SelfOptimizationLoop>();
        var sizes = new List<long>();

        for (var run = 0; run < 20; run++)
        {
            await MissAsync(cache, 10, run);
            await loop.ExecuteAsync(CancellationToken.None);
            sizes.Add(cache.MemoryCapacity);
        }

        Assert.That(sizes.Take(3), Is.EqualTo(new long[] { 12_500, 15_625, 19_531 }));
        Assert.That(sizes.Max(), Is.EqualTo(4 * ConfiguredCapacity));
        Assert.That(sizes[^1], Is.EqualTo(4 * ConfiguredCapacity));
    }

    [Test]
    public async Task ExecuteAsync_HitRatioRecoveredSinceTheLastRun_StopsGrowingThoughTheLifetimeRatioIsLow()
    {
        // Before: the lifetime ratio (20 hits of 40 lookups) was judged, and the tier grew again.
        await using var host = CreateHost();
        var cache = host.Services.GetRequiredService<TieredCache>();
        var loop = host.Services.GetRequiredService<SelfOptimizationLoop>();
        await MissAsync(cache, 20, run: 0);
        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(cache.MemoryCapacity, Is.EqualTo(12_500));

        await cache.SetAsync("hot", "value");
        for (var i = 0; i < 20; i++)
        {
            Assert.That((await cache.TryGetAsync<string>("hot")).HasValue, Is.True);
        }

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(cache.MemoryCapacity, Is.EqualTo(12_500));
        Assert.That(loop.Adjustments, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_SustainedWarningPressure_ShrinksTheCacheToAQuarterAndNoFurther()
    {
        await using var host = CreateHost();
        var cache = host.Services.GetRequiredService<TieredCache>();
        var loop = host.Services.GetRequiredService<SelfOptimizationLoop>();
        _memory.Ratio = 0.75;
        Assert.That(host.Services.GetRequiredService<MemoryPressureMonitor>().Sample(), Is.EqualTo(MemoryPressureLevel.Warning));

        for (var run = 0; run < 20; run++)
        {
            await loop.ExecuteAsync(CancellationToken.None);
        }

        Assert.That(cache.MemoryCapacity, Is.EqualTo(ConfiguredCapacity / 4));
        Assert.That(host.Services.GetRequiredService<GcTuner>().Profile, Is.EqualTo(GcProfile.Default), "warning alone does not change the GC profile");
    }

    private static async Task MissAsync(TieredCache cache, int count, int run)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.That((await cache.TryGetAsync<string>($"absent:{run}:{i}")).HasValue, Is.False);
        }
    }

    private SampleHost CreateHost() => SampleHost.CreateWith(_folder, services =>
    {
        services.AddSingleton<Cost.Ledger.ISpendStore>(new FlakySpendStore());
        services.AddSingleton<IMemorySource>(_memory);
        services.AddSingleton<IGarbageCollector>(_collector);
    });

    private sealed class ScriptedMemory : IMemorySource
    {
        private const long Limit = 1L << 30;

        public double Ratio { get; set; } = 0.10;

        public MemoryReading Read() => new((long)(Ratio * Limit), Limit);
    }
}
