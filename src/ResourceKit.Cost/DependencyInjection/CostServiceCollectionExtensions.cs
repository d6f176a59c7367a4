using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.DependencyInjection;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;
using ResourceKit.Cost.Tiering;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ResourceKit cost services.</summary>
public static class CostServiceCollectionExtensions
{
    /// <summary>The name of the budget health check.</summary>
    public const string HealthCheckName = "resourcekit-cost";

    /// <summary>
    /// Registers the price catalog, spend store, <see cref="SpendLedger"/>, <see cref="ModelRateLimiter"/>,
    /// <see cref="ModelTierRouter"/>, the budget health check and the shutdown hook, with options validated at start.
    /// Repeat calls only add configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddResourceKitCost(this IServiceCollection services, Action<CostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<CostOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>
    /// Registers the cost services with options bound from a configuration section. A section already bound by an
    /// earlier call (the same instance, or a section with the same path) is not bound again: binding appends to
    /// lists, so a second bind would duplicate every rule, price and rate limit.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>ResourceKit:Cost</c>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddResourceKitCost(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var bound = services.Any(d => d.ServiceType == typeof(IValidateOptions<CostOptions>)
            && d.ImplementationInstance is CostConfigurationValidator validator
            && validator.Reads(configuration));
        if (!bound)
        {
            services.AddOptions<CostOptions>().Bind(configuration);
            services.AddSingleton<IValidateOptions<CostOptions>>(new CostConfigurationValidator(configuration));
        }

        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<CostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CostOptions>, CostOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new OwnedRedisConnection(Options(sp).RedisConfiguration ?? string.Empty));
        services.TryAddSingleton(CreateStore);
        services.TryAddSingleton(sp => new PriceCatalog(Options(sp).EffectivePrices(), Options(sp).FallbackPrice));
        services.TryAddSingleton(sp => new SpendLedger(
            Options(sp),
            sp.GetRequiredService<ISpendStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<SpendLedger>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new ModelRateLimiter(
            Options(sp).EffectiveRateLimits(),
            Options(sp).MaxRetryAfter,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ModelRateLimiter>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new ModelTierRouter(Options(sp), sp.GetRequiredService<SpendLedger>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BudgetShutdownService>());
        if (!services.Any(d => d.ServiceType == typeof(CostBudgetHealthCheck)))
        {
            services.TryAddSingleton<CostBudgetHealthCheck>();
            services.AddHealthChecks().AddCheck<CostBudgetHealthCheck>(HealthCheckName, tags: ["resourcekit", "cost"]);
        }

        return services;
    }

    private static CostOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<CostOptions>>().Value;

    private static ISpendStore CreateStore(IServiceProvider services)
    {
        var options = Options(services);
        switch (options.Store)
        {
            case SpendStoreKind.Memory:
                return new MemorySpendStore();
            case SpendStoreKind.Redis:
                var connection = services.GetService<IConnectionMultiplexer>() ?? services.GetRequiredService<OwnedRedisConnection>().Connection;
                return new RedisSpendStore(connection.GetDatabase(), options.RedisKeyPrefix, services.GetService<ILogger<RedisSpendStore>>())
                {
                    MaxUnsavedEntries = options.RedisMaxUnsavedEntries,
                };
            default:
                var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
                var path = options.StoreFilePath ?? Path.Combine(
                    string.IsNullOrEmpty(root) ? AppContext.BaseDirectory : root, "ResourceKit", "cost-ledger.json");
                return new FileSpendStore(path, logger: services.GetService<ILogger<FileSpendStore>>());
        }
    }
}
