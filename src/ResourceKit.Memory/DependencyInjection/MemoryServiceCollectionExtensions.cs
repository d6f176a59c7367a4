using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using ResourceKit.Memory.DependencyInjection;
using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Health;
using ResourceKit.Memory.LazyComponents;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ResourceKit.Memory in a service collection.</summary>
public static class MemoryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the memory pressure monitor and GC tuner (run by a hosted service), reclamation (every registered
    /// <see cref="IMemoryReclaimer"/>, the <see cref="LazyComponentRegistry"/> and the <see cref="MemoryPoolRegistry"/> take part), an
    /// <see cref="ObjectPoolProvider"/> of bounded pools and validated <see cref="ResourceKitMemoryOptions"/>.
    /// Repeat calls only add configuration.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adjusts the options.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddResourceKitMemory(this IServiceCollection services, Action<ResourceKitMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<ResourceKitMemoryOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services.AddCore();
    }

    /// <summary>Adds ResourceKit.Memory with options bound from <paramref name="configuration"/> (for example the <c>"ResourceKit:Memory"</c> section).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddResourceKitMemory(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ResourceKitMemoryOptions>().Bind(configuration);
        return services.AddCore();
    }

    /// <summary>Adds the <see cref="MemoryPressureHealthCheck"/>.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddResourceKitMemory(this IHealthChecksBuilder builder, string name = "resourcekit-memory", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new MemoryPressureHealthCheck(sp.GetRequiredService<MemoryPressureMonitor>(), Options(sp).Health, sp.GetService<GcTuner>()),
            failureStatus: null,
            tags));
    }

    private static IServiceCollection AddCore(this IServiceCollection services)
    {
        services.AddOptions<ResourceKitMemoryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResourceKitMemoryOptions>, ResourceKitMemoryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGarbageCollector, RuntimeGarbageCollector>();
        services.TryAddSingleton<IMemorySource>(sp =>
        {
            var pressure = Options(sp).Pressure;
            return new GcMemorySource(pressure.Measure, pressure.LimitBytes);
        });
        services.TryAddSingleton(sp => new LazyComponentRegistry(
            Options(sp).LazyComponents,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<LazyComponentRegistry>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new MemoryPoolRegistry(
            Options(sp).Pools,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new MemoryReclamation(
            [.. sp.GetServices<IMemoryReclaimer>(), sp.GetRequiredService<LazyComponentRegistry>(), sp.GetRequiredService<MemoryPoolRegistry>()],
            sp.GetRequiredService<IGarbageCollector>(),
            sp.GetService<ILogger<MemoryReclamation>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new MemoryPressureMonitor(
            Options(sp).Pressure,
            sp.GetRequiredService<MemoryReclamation>(),
            sp.GetRequiredService<IMemorySource>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<MemoryPressureMonitor>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ICpuUsageSource>(sp => new ProcessCpuUsageSource(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new GcTuner(
            Options(sp).GcTuning,
            sp.GetRequiredService<IGarbageCollector>(),
            sp.GetRequiredService<MemoryPressureMonitor>(),
            sp.GetRequiredService<ICpuUsageSource>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<GcTuner>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ObjectPoolProvider>(sp => new BoundedObjectPoolProvider(
            Options(sp).ObjectPools,
            sp.GetRequiredService<MemoryReclamation>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MemoryPressureHostedService>());
        return services;
    }

    private static ResourceKitMemoryOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ResourceKitMemoryOptions>>().Value;
}
