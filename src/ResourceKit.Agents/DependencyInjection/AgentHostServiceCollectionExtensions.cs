using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Dashboard;
using ResourceKit.Agents.Hosting;
using ResourceKit.Agents.Llm;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Caching;
using ResourceKit.Caching.Disk;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Tiering;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Pressure;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Composes ResourceKit Memory, Scheduling, Caching and Cost into a reference agent host.</summary>
public static class AgentHostServiceCollectionExtensions
{
    /// <summary>
    /// Adds the four packages, bound from <c>ResourceKit:Memory</c>, <c>ResourceKit:Scheduling</c>, <c>ResourceKit:Caching</c>
    /// and <c>ResourceKit:Cost</c>, and joins them: one CPU sampler for the scheduler and the health monitor, memory
    /// pressure trimming the cache and the component pools, the component allocation table (<c>ResourceKit:AgentHost</c>)
    /// capping loop CPU budgets, a health monitor (<c>ResourceKit:Health</c>) over all four, and the dashboard snapshot.
    /// Add the LLM pipeline with <see cref="AddResourceKitChatPipeline"/>. Repeat calls register nothing twice (health
    /// checks, hosted services, metric sources and reclaimers are added once); each call binds its configuration again,
    /// so a later call's values override an earlier one's.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration root (or any section holding a <c>ResourceKit</c> section).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddResourceKitAgentHost(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var root = configuration.GetSection("ResourceKit");

        services.TryAddSingleton(TimeProvider.System);

        // One CPU reading feeds admission control, the GC tuner and the health monitor; registered before the packages so their TryAdd keeps ours.
        services.TryAddSingleton(sp => new SharedCpuSampler(new ProcessCpuUtilizationSource(sp.GetRequiredService<TimeProvider>())));
        services.TryAddSingleton<ICpuUtilizationSource>(sp => sp.GetRequiredService<SharedCpuSampler>());
        services.TryAddSingleton<ICpuUsageSource>(sp => sp.GetRequiredService<SharedCpuSampler>());

        services.AddResourceKitMemory(root.GetSection("Memory"));
        services.AddResourceKitScheduling(root.GetSection("Scheduling"));
        services.AddResourceKitTieredCache(root.GetSection("Caching"));
        services.AddResourceKitCost(root.GetSection("Cost"));

        var hostSection = root.GetSection("AgentHost");
        services.AddOptions<AgentHostOptions>().Bind(hostSection).PostConfigure(options => ReplaceConfiguredLoopLists(options, hostSection)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentHostOptions>, AgentHostOptionsValidator>());
        services.TryAddSingleton<AgentComponents>();

        // Each component's CPU ceiling caps the CPU budget of its loops.
        services.AddOptions<SchedulingOptions>().PostConfigure<IOptions<AgentHostOptions>>((scheduling, host) =>
        {
            foreach (var (component, allocation) in host.Value.Components)
            {
                foreach (var loop in allocation.Loops)
                {
                    if (scheduling.Loops.TryGetValue(loop, out var options))
                    {
                        options.CpuBudgetPercent = Math.Min(options.CpuBudgetPercent, allocation.MaxCpuPercent);
                    }
                }
            }
        });

        // Memory pressure trims the cache's memory tier first, then the component pools by priority.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMemoryReclaimer, TieredCacheReclaimer>(sp => new TieredCacheReclaimer(sp.GetRequiredService<TieredCache>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ComponentPoolRegistration>());

        services.AddOptions<HealthMonitorOptions>().Bind(root.GetSection("Health")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthMonitorOptions>, HealthMonitorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, SharedCpuSampler>(sp => sp.GetRequiredService<SharedCpuSampler>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, MemoryMetricSource>(sp => new MemoryMetricSource(sp.GetRequiredService<MemoryPressureMonitor>(), sp.GetService<GcTuner>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, LoopMetricSource>(sp => new LoopMetricSource(sp.GetRequiredService<AgentLoopScheduler>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, CacheMetricSource>(sp => new CacheMetricSource(sp.GetRequiredService<TieredCache>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, CostMetricSource>(sp => new CostMetricSource(sp.GetRequiredService<SpendLedger>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, DiskMetricSource>(sp => new DiskMetricSource(DiskCacheFolder(sp))));
        AddResponseTimeRecorder(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthMetricSource, ResponseTimeRecorder>(sp => sp.GetRequiredService<ResponseTimeRecorder>()));
        services.TryAddSingleton<LoggerAlertSink>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<HealthMonitorOptions>>().Value;
            List<IAlertSink> sinks = [sp.GetRequiredService<LoggerAlertSink>()];
            if (options.AlertFilePath is { Length: > 0 } path)
            {
                sinks.Add(new JsonLinesAlertSink(path));
            }

            sinks.AddRange(sp.GetServices<IAlertSink>());
            return new HealthMonitor(options, sp.GetServices<IHealthMetricSource>(), sinks, sp.GetRequiredService<TimeProvider>(), sp.GetService<Logging.ILogger<HealthMonitor>>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HealthMonitorService>());

        // Health checks are added by name, and the health check service refuses a name registered twice (so no hosted
        // service could start); the check's own registration marks that a first call added them.
        if (!services.Any(d => d.ServiceType == typeof(HealthMonitorHealthCheck)))
        {
            services.TryAddSingleton<HealthMonitorHealthCheck>();
            services.AddHealthChecks()
                .AddCheck<HealthMonitorHealthCheck>("resourcekit-agent-host", tags: ["resourcekit", "agents"])
                .AddResourceKitMemory()
                .AddResourceKitTieredCacheCheck();
        }

        services.TryAddSingleton<DashboardSnapshotBuilder>();
        return services;
    }

    /// <summary>
    /// Registers the LLM pipeline as the host's <see cref="IChatClient"/>: response cache → model tiering → budget and
    /// rate limit → response time → <paramref name="provider"/>. A cached answer therefore costs nothing and never touches the budget
    /// or the rate limits. <see cref="ResponseTimeChatClient"/> times each provider call into the
    /// <see cref="ResponseTimeRecorder"/> singleton, which <see cref="AddResourceKitAgentHost"/> registers as the health
    /// monitor's <c>response_time</c> source. Tiering runs before the budget gate so that the reservation and the token buckets are charged
    /// at the price and limits of the model that is actually called; tiering itself refuses to route around a budget
    /// that blocks, and the budget gate re-checks every rule atomically when it reserves.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="provider">Creates the provider client (OpenAI, Azure, Ollama, or a simulated client).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddResourceKitChatPipeline(this IServiceCollection services, Func<IServiceProvider, IChatClient> provider)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(provider);
        AddResponseTimeRecorder(services);
        services.TryAddSingleton(sp => new ChatClientBuilder(provider(sp))
            .UseResourceKitCache()
            .Use((inner, services) => new ModelTieringChatClient(inner, services.GetRequiredService<ModelTierRouter>()))
            .UseResourceKitBudget()
            .Use((inner, services) => new ResponseTimeChatClient(inner, services.GetRequiredService<ResponseTimeRecorder>(), services.GetService<TimeProvider>()))
            .Build(sp));
        return services;
    }

    /// <summary>One recorder for the pipeline to time calls into and the health monitor to read, whichever is added first.</summary>
    private static void AddResponseTimeRecorder(IServiceCollection services) =>
        services.TryAddSingleton(sp => new ResponseTimeRecorder(sp.GetService<TimeProvider>()));

    /// <summary>
    /// The folder whose file system <see cref="DiskMetricSource"/> watches: the disk tier's own folder (its default one
    /// too, which only the store resolves), else, without a disk tier, the application's.
    /// </summary>
    private static string DiskCacheFolder(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<TieredCacheOptions>>().Value.EnableDisk)
        {
            try
            {
                // The tiered cache resolves the same singleton, so this creates nothing it would not.
                return services.GetRequiredService<DiskCacheStore>().RootDirectory;
            }
            catch (DiskCacheFolderInUseException)
            {
                // Another process holds the folder and the cache runs without L2 (it logs why).
            }
        }

        return AppContext.BaseDirectory;
    }

    /// <summary>
    /// Makes a component's <c>Loops</c> list in configuration replace its default list. The binder appends configured
    /// items to the list already there, so restating a default list would assign each loop twice, and a loop could
    /// never be moved to another component.
    /// </summary>
    private static void ReplaceConfiguredLoopLists(AgentHostOptions options, IConfigurationSection hostSection)
    {
        foreach (var component in hostSection.GetSection("Components").GetChildren())
        {
            // Not GetSection("Loops").Exists(): an empty JSON array ("Loops": []) is a key with a null value, which
            // Exists() reports as absent, yet it is how a component gives up all its loops.
            var loops = component.GetChildren().FirstOrDefault(child => string.Equals(child.Key, "Loops", StringComparison.OrdinalIgnoreCase));
            if (loops is null || !options.Components.TryGetValue(component.Key, out var allocation) || allocation is null)
            {
                continue;
            }

            allocation.Loops.Clear();
            foreach (var loop in loops.GetChildren())
            {
                if (!string.IsNullOrWhiteSpace(loop.Value))
                {
                    allocation.Loops.Add(loop.Value);
                }
            }
        }
    }
}
