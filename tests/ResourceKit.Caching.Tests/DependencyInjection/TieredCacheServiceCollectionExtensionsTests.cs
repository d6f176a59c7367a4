using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.DependencyInjection;

public sealed class TieredCacheServiceCollectionExtensionsTests
{
    private TemporaryDirectory _folder = null!;

    [SetUp]
    public void SetUp() => _folder = new TemporaryDirectory();

    [TearDown]
    public void TearDown() => _folder.Dispose();

    [Test]
    public async Task AddResourceKitTieredCache_WithConfigure_ResolvesOneCacheOverDisk()
    {
        var services = new ServiceCollection()
            .AddResourceKitTieredCache(o => o.Disk.Directory = _folder.Path)
            .AddResourceKitTieredCache(o => o.ApplicationName = "agent");
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<TieredCache>();
        await cache.SetAsync("k", "v", CachePolicyNames.BrowserPages);

        Assert.That(provider.GetRequiredService<TieredCache>(), Is.SameAs(cache));
        Assert.That(cache.KeyPrefix, Is.EqualTo("agent:default:"));
        Assert.That(provider.GetRequiredService<DiskCacheStore>().Statistics.Entries, Is.EqualTo(1));
        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.NotConfigured));
        Assert.That(services.Count(d => d.ServiceType == typeof(TieredCache)), Is.EqualTo(1));
    }

    [Test]
    public async Task AddResourceKitTieredCache_FromConfiguration_BindsNestedOptionsAndPolicies()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cache:ApplicationName"] = "bound",
            ["Cache:SessionTimeToLive"] = "02:00:00",
            ["Cache:Memory:Capacity"] = "500",
            ["Cache:Disk:Directory"] = _folder.Path,
            ["Cache:Disk:MaximumSizeBytes"] = "1048576",
            ["Cache:Policies:llm-responses:TimeToLive"] = "00:10:00",
            ["Cache:Policies:custom:Tiers"] = "Memory, Disk",
            ["Cache:Policies:custom:TimeToLive"] = "00:00:30",
        }).Build();
        await using var provider = new ServiceCollection().AddResourceKitTieredCache(configuration.GetSection("Cache")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TieredCacheOptions>>().Value;

        Assert.That(options.ApplicationName, Is.EqualTo("bound"));
        Assert.That(options.SessionTimeToLive, Is.EqualTo(TimeSpan.FromHours(2)));
        Assert.That(options.Memory.Capacity, Is.EqualTo(500));
        Assert.That(options.Disk.MaximumSizeBytes, Is.EqualTo(1048576));
        Assert.That(options.Policies[CachePolicyNames.LlmResponses].TimeToLive, Is.EqualTo(TimeSpan.FromMinutes(10)));
        Assert.That(options.Policies[CachePolicyNames.Embeddings].TimeToLive, Is.EqualTo(TimeSpan.FromHours(24)));
        Assert.That(options.Policies["custom"].Tiers, Is.EqualTo(CacheTiers.Memory | CacheTiers.Disk));
    }

    [Test]
    public void AddResourceKitTieredCache_InvalidOptions_FailAtStartWithEveryError()
    {
        using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o =>
            {
                o.DefaultPolicy = "missing";
                o.CompressionThresholdBytes = -1;
            })
            .BuildServiceProvider();

        Assert.That(
            () => provider.GetRequiredService<IOptions<TieredCacheOptions>>().Value,
            Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("missing").And.Message.Contains("CompressionThresholdBytes"));
    }

    [Test]
    public async Task AddResourceKitTieredCache_DiskFolderHeldByAnotherProcess_RunsWithoutL2AndWarns()
    {
        using var otherProcess = new DiskCacheStore(new DiskCacheStoreOptions { Directory = _folder.Path });
        var logger = new ListLogger<TieredCache>();
        var services = new ServiceCollection()
            .AddResourceKitTieredCache(o => o.Disk.Directory = _folder.Path)
            .AddSingleton<ILogger<TieredCache>>(logger);
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<TieredCache>();
        await cache.SetAsync("k", "v", CachePolicyNames.BrowserPages);

        Assert.That(logger.Entries.Single(e => e.EventId.Id == 5306).Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(otherProcess.Statistics.Entries, Is.Zero, "the folder stays the other process's");
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.BrowserPages)).HasValue, Is.False, "a disk-only policy has no tier left");
        Assert.That(await cache.GetOrCreateAsync("k2", _ => ValueTask.FromResult("v2")), Is.EqualTo("v2"));
    }

    [Test]
    public async Task AddResourceKitTieredCache_NoDiskDirectory_UsesAFolderPerApplication()
    {
        var application = "rk-di-" + Guid.NewGuid().ToString("N");
        await using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o => o.ApplicationName = application)
            .BuildServiceProvider();
        var disk = provider.GetRequiredService<DiskCacheStore>();
        var applicationFolder = Path.GetDirectoryName(Path.GetDirectoryName(disk.RootDirectory))!;
        try
        {
            Assert.That(Path.GetFileName(applicationFolder), Is.EqualTo(application));
            Assert.That(provider.GetRequiredService<TieredCache>(), Is.Not.Null);
        }
        finally
        {
            disk.Dispose();
            Directory.Delete(applicationFolder, recursive: true);
        }
    }

    [TestCase("acme:eu", "default")]
    [TestCase("acme", "eu:x")]
    public void AddResourceKitTieredCache_SeparatorInApplicationOrTenant_FailsAtStart(string application, string tenant)
    {
        using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o =>
            {
                o.EnableDisk = false;
                o.ApplicationName = application;
                o.TenantId = tenant;
            })
            .BuildServiceProvider();

        Assert.That(
            () => provider.GetRequiredService<IStartupValidator>().Validate(),
            Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("must not contain ':'"));
    }

    [Test]
    public void AddResourceKitTieredCache_RedisConfigurationThatDoesNotParse_FailsAtStartWithoutThePassword()
    {
        using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o =>
            {
                o.EnableDisk = false;
                o.Redis.Configuration = "localhost:6379,password=s3cret-value,ssl=maybe";
            })
            .BuildServiceProvider();

        Assert.That(
            () => provider.GetRequiredService<IStartupValidator>().Validate(),
            Throws.InstanceOf<OptionsValidationException>().With.Message.Contains("Redis").And.Message.Not.Contain("s3cret-value"));
    }

    [Test]
    public async Task AddResourceKitTieredCache_WithRedisConfigured_UsesRedisTier()
    {
        using var probe = RedisTestServer.ConnectOrIgnore();
        var address = Environment.GetEnvironmentVariable(RedisTestServer.AddressVariable);
        await using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o =>
            {
                o.EnableDisk = false;
                o.ApplicationName = "rk-di-" + Guid.NewGuid().ToString("N");
                o.Redis.Configuration = address;
            })
            .BuildServiceProvider();
        var cache = provider.GetRequiredService<TieredCache>();

        await cache.SetAsync("k", 1, CachePolicyNames.Embeddings);

        Assert.That(cache.CircuitState, Is.EqualTo(CacheCircuitState.Closed));
        Assert.That(await probe.GetDatabase().KeyExistsAsync(cache.KeyPrefix + "k"), Is.True);
    }

    [Test]
    public async Task UseResourceKitCache_ResolvesTheCacheFromServices()
    {
        using var inner = new CountingChatClient();
        await using var provider = new ServiceCollection()
            .AddResourceKitTieredCache(o => o.EnableDisk = false)
            .BuildServiceProvider();
        using var client = new ChatClientBuilder(inner).UseResourceKitCache().Build(provider);

        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q");

        Assert.That(inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task AddResourceKitTieredCacheCheck_RegistersAHealthyCheckWithoutRedis()
    {
        var services = new ServiceCollection().AddResourceKitTieredCache(o => o.EnableDisk = false);
        services.AddHealthChecks().AddResourceKitTieredCacheCheck();
        await using var provider = services.BuildServiceProvider();

        var registration = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Single();
        var result = await registration.Factory(provider).CheckHealthAsync(new HealthCheckContext { Registration = registration });

        Assert.That(registration.Name, Is.EqualTo("resourcekit-tiered-cache"));
        Assert.That(result.Status, Is.EqualTo(HealthStatus.Healthy));
    }
}
