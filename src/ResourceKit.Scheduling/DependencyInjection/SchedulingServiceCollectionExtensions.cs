using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResourceKit.Scheduling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the scheduler, the agent loops and the hosted service that runs them.</summary>
public static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="PriorityScheduler"/>, an <see cref="AgentLoopScheduler"/> and a hosted service that starts the
    /// loops and drains at shutdown. Options are validated at start. Repeat calls add configuration only.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options, if given.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddResourceKitScheduling(this IServiceCollection services, Action<SchedulingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<SchedulingOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulingOptions>, SchedulingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICpuUtilizationSource>(sp => new ProcessCpuUtilizationSource(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new PriorityScheduler(
            sp.GetRequiredService<IOptions<SchedulingOptions>>().Value.Scheduler,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ICpuUtilizationSource>(),
            sp.GetService<ILogger<PriorityScheduler>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(CreateLoopScheduler);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SchedulingHostedService>());
        return services;
    }

    /// <summary>
    /// Adds scheduling with options bound from a configuration section (for example <c>ResourceKit:Scheduling</c>),
    /// including the <c>Loops</c> table: each entry names a loop and gives its priority, interval, CPU budget and description.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddResourceKitScheduling(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SchedulingOptions>().Bind(configuration);
        return services.AddResourceKitScheduling();
    }

    /// <summary>
    /// Registers a loop handler under <paramref name="name"/> and makes sure a loop of that name exists; its schedule
    /// comes from <paramref name="configure"/> and/or the <c>Loops</c> configuration entry of the same name.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The loop's (and handler's) unique name.</param>
    /// <param name="handler">One iteration of the loop.</param>
    /// <param name="configure">Sets the loop's options in code, if given (applied in registration order with configuration).</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentException">A handler with this name is already registered.</exception>
    public static IServiceCollection AddAgentLoop(this IServiceCollection services, string name, Func<CancellationToken, ValueTask> handler, Action<AgentLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return services.AddAgentLoopRegistration(name, _ => handler, configure);
    }

    /// <summary>Registers an <see cref="IAgentLoop"/> implementation (a singleton) under <paramref name="name"/>.</summary>
    /// <typeparam name="TLoop">The loop type, created with its dependencies from the container.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The loop's (and handler's) unique name.</param>
    /// <param name="configure">Sets the loop's options in code, if given.</param>
    /// <returns>The same services.</returns>
    /// <exception cref="ArgumentException">A handler with this name is already registered.</exception>
    public static IServiceCollection AddAgentLoop<TLoop>(this IServiceCollection services, string name, Action<AgentLoopOptions>? configure = null)
        where TLoop : class, IAgentLoop
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TLoop>();
        return services.AddAgentLoopRegistration(name, sp => sp.GetRequiredService<TLoop>().ExecuteAsync, configure);
    }

    /// <summary>
    /// Registers a handler under <paramref name="name"/> without creating a loop, for loops that come only from
    /// configuration (several configured loops may name it in <see cref="AgentLoopOptions.Handler"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The handler's unique name.</param>
    /// <param name="factory">Creates the handler from the container.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddAgentLoopHandler(this IServiceCollection services, string name, Func<IServiceProvider, IAgentLoop> factory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        ThrowIfRegistered(services, name);
        services.AddSingleton(new AgentLoopRegistration(name, sp => factory(sp).ExecuteAsync));
        return services;
    }

    private static IServiceCollection AddAgentLoopRegistration(this IServiceCollection services, string name, Func<IServiceProvider, Func<CancellationToken, ValueTask>> factory, Action<AgentLoopOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ThrowIfRegistered(services, name);
        services.AddSingleton(new AgentLoopRegistration(name, factory));
        services.AddOptions<SchedulingOptions>().Configure(options =>
        {
            if (!options.Loops.TryGetValue(name, out var loop))
            {
                loop = new AgentLoopOptions();
                options.Loops[name] = loop;
            }

            configure?.Invoke(loop);
        });
        return services;
    }

    private static void ThrowIfRegistered(IServiceCollection services, string name)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(AgentLoopRegistration)
                && descriptor.ImplementationInstance is AgentLoopRegistration existing
                && string.Equals(existing.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "An agent loop handler named '{0}' is already registered; loop names must be unique.", name), nameof(name));
            }
        }
    }

    private static AgentLoopScheduler CreateLoopScheduler(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SchedulingOptions>>().Value;
        var loops = new AgentLoopScheduler(services.GetRequiredService<PriorityScheduler>(), services.GetService<ILogger<AgentLoopScheduler>>(), services.GetService<IMeterFactory>());
        var handlers = services.GetServices<AgentLoopRegistration>().ToDictionary(r => r.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, loop) in options.Loops)
        {
            if (!loop.Enabled)
            {
                continue;
            }

            string handlerName = loop.Handler ?? name;
            if (!handlers.TryGetValue(handlerName, out var registration))
            {
                throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture, "Loop '{0}' is configured but no handler named '{1}' is registered.", name, handlerName));
            }

            // Resolved on the first tick, not here: a loop may depend on the loop scheduler itself (a heartbeat that
            // reads every loop's statistics), which would otherwise be a circular dependency at start-up.
            // PublicationOnly does not cache a factory exception: a loop whose construction fails once (a dependency
            // not ready yet) is resolved again on its next tick instead of failing forever. A loop never overlaps
            // itself, so the factory does not run twice at once.
            var handler = new Lazy<Func<CancellationToken, ValueTask>>(() => registration.Factory(services), LazyThreadSafetyMode.PublicationOnly);
            loops.Add(name, loop, cancellationToken => handler.Value(cancellationToken));
        }

        return loops;
    }
}
