using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Logging;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.AgentHost.Services;
using ResourceKit.Agents.Simulation;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.AgentHost;

/// <summary>The sample host's composition, in one place so that Program.cs and the tests build the same container.</summary>
internal static class AgentHostComposition
{
    /// <summary>
    /// Points the disk cache, the spend ledger and the alert file into the data folder (<c>--dataFolder</c>, default
    /// <c>./agenthost-data</c>) and returns its full path.
    /// </summary>
    public static string UseDataFolder(IConfigurationManager configuration)
    {
        var dataFolder = Path.GetFullPath(configuration["dataFolder"] ?? "agenthost-data");
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ResourceKit:Caching:Disk:Directory"] = Path.Combine(dataFolder, "cache"),
            ["ResourceKit:Cost:StoreFilePath"] = Path.Combine(dataFolder, "spend.json"),
            ["ResourceKit:Health:AlertFilePath"] = Path.Combine(dataFolder, "alerts.jsonl"),
        });
        return dataFolder;
    }

    /// <summary>
    /// Registers the four packages joined, the LLM pipeline, the simulated external services, the fifteen loops and the
    /// console status, run lifetime and run report services, in the order the host starts (and, reversed, stops) them.
    /// </summary>
    public static IServiceCollection AddSampleAgentHost(this IServiceCollection services, IConfiguration configuration, RunOptions run, RollingFileLoggerProvider fileLog)
    {
        services.AddSingleton(fileLog);
        services.AddSingleton(run);

        // The composition a user would copy: the four packages joined, then the LLM pipeline over a provider.
        services.AddResourceKitAgentHost(configuration);
        var workload = new ConversationWorkload(run.Load);
        services.AddSingleton(sp => new SimulatedChatClient(workload.ProviderOptions, sp.GetRequiredService<TimeProvider>()));
        services.AddResourceKitChatPipeline(sp => configuration["Llm:Endpoint"] is { Length: > 0 } endpoint
            ? new OpenAI.Chat.ChatClient(
                    configuration["Llm:Model"] ?? "gpt-4o-mini",
                    new ApiKeyCredential(ApiKey(configuration)),
                    new OpenAIClientOptions { Endpoint = new Uri(endpoint) })
                .AsIChatClient()
            : sp.GetRequiredService<SimulatedChatClient>());

        // Local stand-ins for Gmail, the browser, TTS/STT and Twilio, with the seed's pools for browsers and TTS engines.
        services.AddSingleton(sp => new SimulatedExternalServices(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMailboxClient>(sp => sp.GetRequiredService<SimulatedExternalServices>());
        services.AddSingleton<ISpeechRecognizer>(sp => sp.GetRequiredService<SimulatedExternalServices>());
        services.AddSingleton<ITelephonyGateway>(sp => sp.GetRequiredService<SimulatedExternalServices>());
        services.AddSingleton(sp => new ResourcePool<IBrowserSession>(
            ResourcePoolPresets.Browser(), _ => ValueTask.FromResult<IBrowserSession>(sp.GetRequiredService<SimulatedExternalServices>()), timeProvider: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new ResourcePool<ISpeechSynthesizer>(
            ResourcePoolPresets.TextToSpeech(), _ => ValueTask.FromResult<ISpeechSynthesizer>(sp.GetRequiredService<SimulatedExternalServices>()), timeProvider: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IMemoryReclaimer>(sp => sp.GetRequiredService<ResourcePool<IBrowserSession>>());
        services.AddSingleton<IMemoryReclaimer>(sp => sp.GetRequiredService<ResourcePool<ISpeechSynthesizer>>());
        services.AddSingleton<AgentMailbox>();
        services.AddSingleton(workload);

        // The fifteen loops; priorities, intervals and CPU budgets come from appsettings.json (ResourceKit:Scheduling:Loops).
        services.AddAgentLoop<HeartbeatLoop>("heartbeat");
        services.AddAgentLoop<SoulMaintenanceLoop>("soul_maintenance");
        services.AddAgentLoop<UserInputHandlerLoop>("user_input_handler");
        services.AddAgentLoop<ConversationManagerLoop>("conversation_manager");
        services.AddAgentLoop<NotificationDispatcherLoop>("notification_dispatcher");
        services.AddAgentLoop<GmailSyncLoop>("gmail_sync");
        services.AddAgentLoop<BrowserMonitorLoop>("browser_monitor");
        services.AddAgentLoop<TtsProcessorLoop>("tts_processor");
        services.AddAgentLoop<SttProcessorLoop>("stt_processor");
        services.AddAgentLoop<TwilioHandlerLoop>("twilio_handler");
        services.AddAgentLoop<MemoryCleanupLoop>("memory_cleanup");
        services.AddAgentLoop<LogRotationLoop>("log_rotation");
        services.AddAgentLoop<CacheMaintenanceLoop>("cache_maintenance");
        services.AddAgentLoop<MetricsCollectionLoop>("metrics_collection");
        services.AddAgentLoop<SelfOptimizationLoop>("self_optimization");

        services.AddSingleton<BudgetActionLog>();
        services.AddSingleton<RunReportBuilder>();
        services.AddHostedService<ConsoleStatusService>();
        services.AddHostedService<RunLifetimeService>();
        services.AddHostedService<RunReportService>();
        return services;
    }

    /// <summary>
    /// <c>Llm:ApiKey</c>, else <c>OPENAI_API_KEY</c>, else a placeholder: local OpenAI-compatible servers (Ollama, vLLM)
    /// need no key, but the OpenAI client refuses an empty one, and did so on every conversation tick. A provider that
    /// does need a key answers the placeholder with 401, which says what is wrong.
    /// </summary>
    private static string ApiKey(IConfiguration configuration) =>
        configuration["Llm:ApiKey"] is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 } environment ? environment
        : "no-key";
}
