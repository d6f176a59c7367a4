using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResourceKit.Caching;
using ResourceKit.Caching.Disk;
using ResourceKit.Caching.Redis;
using ResourceKit.Caching.Serialization;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ResourceKit <see cref="TieredCache"/> with its disk and Redis tiers.</summary>
public static class TieredCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TieredCache"/> as a singleton with <see cref="TieredCacheOptions"/> validated at start-up:
    /// L1 always, the disk L2 when <see cref="TieredCacheOptions.EnableDisk"/> is set (and its folder is not held by
    /// another process: then a warning is logged and the cache runs without L2), and Redis L3 plus the pub/sub
    /// backplane when <see cref="RedisTierOptions.Configuration"/> is set. Repeat calls only add configuration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddResourceKitTieredCache(this IServiceCollection services, Action<TieredCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services;
    }

    /// <summary>Registers <see cref="TieredCache"/> with options bound from a configuration section (for example <c>ResourceKit:Caching:Tiered</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddResourceKitTieredCache(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services).Bind(configuration);
        return services;
    }

    /// <summary>Adds a health check that reports the tiered cache degraded while Redis is unreachable.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddResourceKitTieredCacheCheck(this IHealthChecksBuilder builder, string name = "resourcekit-tiered-cache")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<TieredCacheHealthCheck>(name, HealthStatus.Degraded);
    }

    private static OptionsBuilder<TieredCacheOptions> AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TieredCacheOptions>, TieredCacheOptionsValidator>());
        services.TryAddSingleton<ICacheSerializer>(_ => new SystemTextJsonCacheSerializer());
        services.TryAddSingleton(sp => new DiskCacheStore(
            Options(sp).Disk.WithDirectoryFor(Options(sp).ApplicationName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<DiskCacheStore>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IConnectionMultiplexer>(sp => RedisConnectionFactory.Connect(Options(sp).Redis));
        services.TryAddSingleton(sp => new RedisCacheStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new RedisCacheBackplane(sp.GetRequiredService<IConnectionMultiplexer>(), BackplaneChannel(Options(sp)), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<TieredCache>(CreateCache);
        services.TryAddTransient<TieredCacheHealthCheck>();
        return services.AddOptions<TieredCacheOptions>().ValidateOnStart();
    }

    private static TieredCache CreateCache(IServiceProvider services)
    {
        var options = Options(services);
        var redis = !string.IsNullOrWhiteSpace(options.Redis.Configuration);
        IBinaryCacheStore? distributed = redis
            ? services.GetRequiredService<RedisCacheStore>()
            : options.UseDistributedCacheService ? new DistributedCacheStore(services.GetRequiredService<IDistributedCache>()) : null;
        return new TieredCache(
            options,
            options.EnableDisk ? DiskOrNone(services) : null,
            distributed,
            redis && options.Redis.EnableBackplane ? services.GetRequiredService<RedisCacheBackplane>() : null,
            services.GetRequiredService<ICacheSerializer>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<ILogger<TieredCache>>(),
            services.GetService<IMeterFactory>());
    }

    /// <summary>
    /// The disk tier, or none while another process (a second instance, a container sharing the volume) holds its
    /// folder: the cache is an optimisation, so the host starts without L2 rather than failing.
    /// </summary>
    private static DiskCacheStore? DiskOrNone(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<DiskCacheStore>();
        }
        catch (DiskCacheFolderInUseException ex)
        {
            TieredCache.LogDiskFolderInUse((ILogger?)services.GetService<ILogger<TieredCache>>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, ex);
            return null;
        }
    }

    private static TieredCacheOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<TieredCacheOptions>>().Value;

    private static string BackplaneChannel(TieredCacheOptions options) => $"{options.ApplicationName}:resourcekit:invalidation";
}
