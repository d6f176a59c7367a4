using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Memory.DependencyInjection;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.LazyComponents;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.Tests.Fakes;

namespace ResourceKit.Memory.Tests.DependencyInjection;

public sealed class MemoryServiceCollectionExtensionsTests
{
    [Test]
    public void AddResourceKitMemory_CalledTwice_RegistersCoreServicesOnce()
    {
        var services = new ServiceCollection();

        services.AddResourceKitMemory().AddResourceKitMemory(o => o.Pressure.WarningRatio = 0.6);

        Assert.Multiple(() =>
        {
            Assert.That(services.Count(d => d.ServiceType == typeof(MemoryPressureMonitor)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IHostedService)), Is.EqualTo(1));
            Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<ResourceKitMemoryOptions>)), Is.EqualTo(1));
        });
    }

    [Test]
    public void AddResourceKitMemory_Configuration_BindsNestedOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pressure:WarningRatio"] = "0.6",
            ["Pressure:SamplingInterval"] = "00:00:05",
            ["ObjectPools:MaximumRetained"] = "7",
            ["Pools:patterns:MaxBytes"] = "2048",
            ["Pools:bad:MaxBytes"] = "4096",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitMemory(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ResourceKitMemoryOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.Pressure.WarningRatio, Is.EqualTo(0.6));
            Assert.That(options.Pressure.SamplingInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.ObjectPools.MaximumRetained, Is.EqualTo(7));
            Assert.That(provider.GetRequiredService<MemoryPoolRegistry>().TryGet("patterns", out var pool) ? pool.Statistics.MaxBytes : 0, Is.EqualTo(2048));
        });
    }

    [Test]
    public void AddResourceKitMemory_InvalidOptions_FailsWithEveryProblem()
    {
        using var provider = new ServiceCollection()
            .AddResourceKitMemory(o =>
            {
                o.Pressure.WarningRatio = 0.9;
                o.Pressure.CriticalRatio = 0.5;
                o.ObjectPools.MaximumRetained = 0;
                o.Pools["contexts"] = new BudgetedMemoryPoolOptions { MinBytes = 10, MaxBytes = 1 };
            })
            .BuildServiceProvider();

        Assert.That(
            () => provider.GetRequiredService<IOptions<ResourceKitMemoryOptions>>().Value,
            Throws.TypeOf<OptionsValidationException>()
                .With.Message.Contains("ResourceKit:Memory:Pressure: Ratios must rise")
                .And.Message.Contains("ResourceKit:Memory:ObjectPools: MaximumRetained must be at least 1")
                .And.Message.Contains("ResourceKit:Memory:Pools:contexts: MaxBytes (1) must not be less than MinBytes (10)"));
    }

    [Test]
    public void Host_InvalidOptions_FailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddResourceKitMemory(o => o.Pressure.Hysteresis = 0.9);
        using var host = builder.Build();

        Assert.That(async () => await host.StartAsync(), Throws.TypeOf<OptionsValidationException>());
    }

    [Test]
    public async Task Host_Started_MonitorSamplesAndReclaimersFromContainerTakePart()
    {
        var time = new FakeTimeProvider();
        var source = new FakeMemorySource();
        var collector = new FakeGarbageCollector();
        var reclaimer = new RecordingReclaimer("cache", 0, []);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IMemorySource>(source);
        builder.Services.AddSingleton<IGarbageCollector>(collector);
        builder.Services.AddSingleton<IMemoryReclaimer>(reclaimer);
        builder.Services.AddResourceKitMemory(o => o.Pressure.SamplingInterval = TimeSpan.FromSeconds(1));
        using var host = builder.Build();

        await host.StartAsync();
        source.SetRatio(0.9);
        time.Advance(TimeSpan.FromSeconds(1));
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(host.Services.GetRequiredService<MemoryPressureMonitor>().Level, Is.EqualTo(MemoryPressureLevel.Critical));
            Assert.That(reclaimer.Fractions, Is.EqualTo(new[] { 0.25 }));
            Assert.That(collector.Collections, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void ObjectPoolProvider_Registered_CreatesBoundedPoolsRegisteredForReclamation()
    {
        using var provider = new ServiceCollection()
            .AddSingleton<IGarbageCollector>(new FakeGarbageCollector())
            .AddResourceKitMemory(o => o.ObjectPools.MaximumRetained = 3)
            .BuildServiceProvider();

        var pool = provider.GetRequiredService<ObjectPoolProvider>().Create<StringWriterHolder>();

        Assert.Multiple(() =>
        {
            Assert.That(pool, Is.TypeOf<BoundedObjectPool<StringWriterHolder>>());
            Assert.That(((BoundedObjectPool<StringWriterHolder>)pool).Statistics.MaximumRetained, Is.EqualTo(3));
            Assert.That(provider.GetRequiredService<MemoryReclamation>().Reclaimers, Has.Member(pool));
        });
    }

    [Test]
    public async Task HealthCheck_Registered_ReportsFromPressureLevel()
    {
        var source = new FakeMemorySource();
        var services = new ServiceCollection()
            .AddSingleton<IMemorySource>(source)
            .AddSingleton<IGarbageCollector>(new FakeGarbageCollector())
            .AddResourceKitMemory();
        services.AddLogging().AddHealthChecks().AddResourceKitMemory();
        using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var monitor = provider.GetRequiredService<MemoryPressureMonitor>();

        source.SetRatio(0.75);
        monitor.Sample();
        var report = await health.CheckHealthAsync();

        Assert.That(report.Entries["resourcekit-memory"].Status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public async Task Host_StartedWithProfile_AppliesItAndRestoresOnDispose()
    {
        var collector = new FakeGarbageCollector { LatencyMode = System.Runtime.GCLatencyMode.Interactive };
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddSingleton<IMemorySource>(new FakeMemorySource());
        builder.Services.AddSingleton<IGarbageCollector>(collector);
        builder.Services.AddResourceKitMemory(o => o.GcTuning.Profile = GcProfile.HighMemory);
        var host = builder.Build();

        await host.StartAsync();
        var during = collector.LatencyMode;
        await host.StopAsync();
        host.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(during, Is.EqualTo(System.Runtime.GCLatencyMode.SustainedLowLatency));
            Assert.That(collector.LatencyMode, Is.EqualTo(System.Runtime.GCLatencyMode.Interactive));
        });
    }

    [Test]
    public void LazyComponentRegistry_Registered_TakesPartInReclamation()
    {
        using var provider = new ServiceCollection()
            .AddSingleton<IGarbageCollector>(new FakeGarbageCollector())
            .AddResourceKitMemory(o => o.LazyComponents.MaxLoaded = 2)
            .BuildServiceProvider();

        var registry = provider.GetRequiredService<LazyComponentRegistry>();

        Assert.That(provider.GetRequiredService<MemoryReclamation>().Reclaimers, Has.Member(registry));
    }

    [Test]
    public void AddResourceKitMemory_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => ((IServiceCollection)null!).AddResourceKitMemory(), Throws.ArgumentNullException);
            Assert.That(() => new ServiceCollection().AddResourceKitMemory((IConfiguration)null!), Throws.ArgumentNullException);
        });
    }

    public sealed class StringWriterHolder
    {
        public string Text { get; set; } = string.Empty;
    }
}
