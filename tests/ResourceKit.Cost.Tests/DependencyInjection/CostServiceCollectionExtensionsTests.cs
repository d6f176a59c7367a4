using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;
using ResourceKit.Cost.Tests.Ledger;
using ResourceKit.Cost.Tiering;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.DependencyInjection;

public class CostServiceCollectionExtensionsTests
{
    [Test]
    public void AddResourceKitCost_Defaults_ResolvesEveryService()
    {
        using var provider = new ServiceCollection().AddResourceKitCost(o => o.Store = SpendStoreKind.Memory).BuildServiceProvider();

        Assert.Multiple(() =>
        {
            Assert.That(provider.GetRequiredService<ISpendStore>(), Is.TypeOf<MemorySpendStore>());
            Assert.That(provider.GetRequiredService<SpendLedger>().Rules, Has.Count.EqualTo(3));
            Assert.That(provider.GetRequiredService<PriceCatalog>().GetPrice("openai", "gpt-4o").InputPerMillion, Is.EqualTo(15m));
            Assert.That(provider.GetRequiredService<ModelRateLimiter>(), Is.Not.Null);
            Assert.That(provider.GetRequiredService<ModelTierRouter>(), Is.Not.Null);
        });
    }

    [Test]
    public void AddResourceKitCost_CalledTwice_IsHarmlessAndKeepsBothConfigurations()
    {
        var services = new ServiceCollection()
            .AddResourceKitCost(o => o.Store = SpendStoreKind.Memory)
            .AddResourceKitCost(o => o.TimeZoneId = "Europe/Berlin");
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<SpendLedger>().Calendar.TimeZone.Id, Is.EqualTo("Europe/Berlin"));
        Assert.That(provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, Has.Count.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(SpendLedger)), Is.EqualTo(1));
    }

    [Test]
    public void AddResourceKitCost_SameConfigurationTwice_BindsItOnce()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cost:Store"] = "Memory",
            ["Cost:Rules:0:Name"] = "daily",
            ["Cost:Rules:0:Limit"] = "10",
            ["Cost:Prices:0:Provider"] = "acme",
            ["Cost:Prices:0:Model"] = "m",
            ["Cost:Prices:0:InputPerMillion"] = "1",
            ["Cost:Prices:0:OutputPerMillion"] = "2",
        }).Build();
        var services = new ServiceCollection()
            .AddResourceKitCost(configuration.GetSection("Cost"))
            .AddResourceKitCost(configuration.GetSection("Cost"));
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IOptions<CostOptions>>().Value.Rules, Has.Count.EqualTo(1), "a second bind would append the rule again and fail start");
        Assert.That(provider.GetRequiredService<IOptions<CostOptions>>().Value.Prices, Has.Count.EqualTo(1));
        Assert.That(provider.GetRequiredService<SpendLedger>().Rules.Single().Name, Is.EqualTo("daily"));
        Assert.That(services.Count(d => d.ServiceType == typeof(IValidateOptions<CostOptions>)), Is.EqualTo(2), "the options validator and one configuration validator");
    }

    [Test]
    public async Task AddResourceKitCost_RedisUnreachable_ReservesFailFastAndTheHealthCheckSaysWhatIsKept()
    {
        using var provider = new ServiceCollection()
            .AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)))
            .AddSingleton(UnreachableRedisConnection.Create())
            .AddResourceKitCost(o =>
            {
                o.Store = SpendStoreKind.Redis;
            })
            .BuildServiceProvider();
        var ledger = provider.GetRequiredService<SpendLedger>();
        var spend = new SpendAttribution("chat", "gpt-4o", "planner");
        var registration = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations
            .Single(r => r.Name == CostServiceCollectionExtensions.HealthCheckName);

        Assert.That(provider.GetRequiredService<ISpendStore>(), Is.TypeOf<RedisSpendStore>(), "the registered connection is used");
        Assert.ThrowsAsync<RedisConnectionException>(
            async () => await ledger.TryReserveAsync(spend, 0.1m), "a reserve is refused with the documented exception, not admitted unchecked");
        await ledger.RecordAsync(spend, 0.2m);
        var health = await registration.Factory(provider).CheckHealthAsync(new HealthCheckContext { Registration = registration });

        Assert.Multiple(() =>
        {
            Assert.That(ledger.UnsavedSpend, Is.EqualTo(0.2m), "spend recorded while Redis is down is kept in the process");
            Assert.That(health.Status, Is.EqualTo(registration.FailureStatus));
            Assert.That(health.Description, Does.StartWith("The spend store cannot be read. 0.2 USD of spend is counted but not yet saved"));
            Assert.That(health.Exception, Is.TypeOf<RedisConnectionException>());
        });
    }

    [Test]
    public void AddResourceKitCost_FromConfiguration_BindsRulesPricesAndWindows()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cost:Store"] = "Memory",
            ["Cost:Rules:0:Name"] = "agents",
            ["Cost:Rules:0:Limit"] = "2.5",
            ["Cost:Rules:0:Window"] = "Weekly",
            ["Cost:Rules:0:Scope"] = "Agent",
            ["Cost:Prices:0:Provider"] = "openai",
            ["Cost:Prices:0:Model"] = "gpt-4o-mini",
            ["Cost:Prices:0:InputPerMillion"] = "0.15",
            ["Cost:Prices:0:OutputPerMillion"] = "0.6",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitCost(configuration.GetSection("Cost")).BuildServiceProvider();

        var rule = provider.GetRequiredService<SpendLedger>().Rules.Single();
        Assert.That((rule.Name, rule.Limit, rule.Window, rule.Scope), Is.EqualTo(("agents", 2.5m, BudgetWindow.Weekly, BudgetScope.Agent)));
        Assert.That(provider.GetRequiredService<PriceCatalog>().GetPrice("openai", "gpt-4o-mini").OutputPerMillion, Is.EqualTo(0.6m));
        Assert.That(provider.GetRequiredService<PriceCatalog>().GetPrice("openai", "gpt-4o").OutputPerMillion, Is.EqualTo(60m), "seed prices stay");
    }

    [Test]
    public void AddResourceKitCost_InvalidOptions_FailStartListingEveryError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rules:0:Name"] = "zero",
            ["Rules:0:Limit"] = "0",
            ["TimeZoneId"] = "Mars/Olympus",
            ["MaxReservationCost"] = "-1",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitCost(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(error!.Failures, Has.Some.Contains("Limit must be greater than zero"));
        Assert.That(error.Failures, Has.Some.Contains("Mars/Olympus"));
        Assert.That(error.Failures, Has.Some.Contains("MaxReservationCost"));
    }

    [Test]
    public void AddResourceKitCost_RedisStoreWithARegisteredConnection_NeedsNoRedisConfiguration()
    {
        using var provider = new ServiceCollection()
            .AddSingleton(UnreachableRedisConnection.Create())
            .AddResourceKitCost(o => o.Store = SpendStoreKind.Redis)
            .BuildServiceProvider();

        Assert.DoesNotThrow(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(provider.GetRequiredService<SpendLedger>(), Is.Not.Null, "the ledger's own check of the options agrees");
        Assert.That(provider.GetRequiredService<ISpendStore>(), Is.TypeOf<RedisSpendStore>());
    }

    [Test]
    public void AddResourceKitCost_RedisMaxUnsavedEntriesInConfiguration_ReachesTheRedisStore()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store"] = "Redis",
            ["RedisMaxUnsavedEntries"] = "250",
        }).Build();
        using var provider = new ServiceCollection()
            .AddSingleton(UnreachableRedisConnection.Create())
            .AddResourceKitCost(configuration)
            .BuildServiceProvider();

        Assert.DoesNotThrow(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.That(((RedisSpendStore)provider.GetRequiredService<ISpendStore>()).MaxUnsavedEntries, Is.EqualTo(250));
    }

    [Test]
    public void AddResourceKitCost_RedisMaxUnsavedEntriesZero_FailsAtStart()
    {
        using var provider = new ServiceCollection()
            .AddSingleton(UnreachableRedisConnection.Create())
            .AddResourceKitCost(o =>
            {
                o.Store = SpendStoreKind.Redis;
                o.RedisMaxUnsavedEntries = 0;
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(error!.Failures, Has.One.Contains("RedisMaxUnsavedEntries must be greater than zero"));
    }

    [Test]
    public void AddResourceKitCost_RedisStoreWithNeitherConnectionNorConfiguration_FailsAtStart()
    {
        using var provider = new ServiceCollection().AddResourceKitCost(o => o.Store = SpendStoreKind.Redis).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(error!.Failures, Has.One.Contains("RedisConfiguration is required when Store is Redis and no IConnectionMultiplexer is registered"));
    }

    [Test]
    public void AddResourceKitCost_DuplicateRateLimitAndOverlongSweep_FailStartInsteadOfFirstResolve()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RateLimits:0:Provider"] = "openai",
            ["RateLimits:0:RequestsPerMinute"] = "60",
            ["RateLimits:1:Provider"] = "OpenAI",
            ["RateLimits:1:RequestsPerMinute"] = "30",
            ["ExpirySweepInterval"] = "60.00:00:00",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitCost(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(error!.Failures, Has.Some.Contains("openai/*"));
        Assert.That(error.Failures, Has.Some.Contains("ExpirySweepInterval"));
    }

    [Test]
    public void AddResourceKitCost_UnknownWindowInConfiguration_FailsAtStartInsteadOfDroppingTheRule()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rules:0:Name"] = "x",
            ["Rules:0:Limit"] = "1",
            ["Rules:0:Window"] = "Fortnightly",
        }).Build();
        using var provider = new ServiceCollection().AddResourceKitCost(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.That(error!.Message, Does.Contain("Window 'Fortnightly' is unknown"));
    }

    [Test]
    public void AddResourceKitCost_FileStore_PersistsUnderConfiguredPath()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var provider = new ServiceCollection()
                       .AddResourceKitCost(o => o.StoreFilePath = Path.Combine(directory, "ledger.json"))
                       .BuildServiceProvider())
            {
                Assert.That(provider.GetRequiredService<ISpendStore>(), Is.TypeOf<FileSpendStore>());
            }

            Assert.That(File.Exists(Path.Combine(directory, "ledger.json")), Is.True);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void AddResourceKitCost_NullArguments_Throw()
    {
        Assert.That(() => CostServiceCollectionExtensions.AddResourceKitCost(null!), Throws.ArgumentNullException);
        Assert.That(() => new ServiceCollection().AddResourceKitCost((IConfiguration)null!), Throws.ArgumentNullException);
        Assert.That(() => ((ChatClientBuilder)null!).UseResourceKitBudget(), Throws.ArgumentNullException);
    }
}
