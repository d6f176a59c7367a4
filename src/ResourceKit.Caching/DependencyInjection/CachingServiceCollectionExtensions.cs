using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ResourceKit.Caching;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ResourceKit in-memory cache, <see cref="TinyLfuCache{TKey, TValue}"/>.</summary>
public static class CachingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TinyLfuCache{TKey, TValue}"/> as an open generic singleton (one cache per
    /// key and value type, all sharing these options), with <see cref="TinyLfuCacheOptions"/> validated
    /// at start-up. Calling it again only adds the configuration; registrations are not duplicated.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the options; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddResourceKitCaching(this IServiceCollection services, Action<TinyLfuCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services);
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Registers <see cref="TinyLfuCache{TKey, TValue}"/> with <see cref="TinyLfuCacheOptions"/> bound
    /// from a configuration section (for example <c>ResourceKit:Caching:Memory</c>) and validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddResourceKitCaching(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(services).Bind(configuration);
        return services;
    }

    private static OptionsBuilder<TinyLfuCacheOptions> AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TinyLfuCacheOptions>, TinyLfuCacheOptionsValidator>());
        services.TryAddSingleton(typeof(TinyLfuCache<,>));
        return services.AddOptions<TinyLfuCacheOptions>().ValidateOnStart();
    }
}
