using System.ClientModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI;
using ResourceKit.AgentHost;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Logging;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.AgentHost.Services;
using ResourceKit.Agents.Simulation;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Memory.ResourcePooling;

// appsettings.json sits beside the binary, so the host finds it whatever the working directory is.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var run = RunOptions.From(builder.Configuration);
var dataFolder = Path.GetFullPath(builder.Configuration["dataFolder"] ?? "agenthost-data");
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ResourceKit:Caching:Disk:Directory"] = Path.Combine(dataFolder, "cache"),
    ["ResourceKit:Cost:StoreFilePath"] = Path.Combine(dataFolder, "spend.json"),
    ["ResourceKit:Health:AlertFilePath"] = Path.Combine(dataFolder, "alerts.jsonl"),
});

var fileLog = new RollingFileLoggerProvider(Path.Combine(dataFolder, "logs"), TimeProvider.System);
builder.Logging.AddProvider(fileLog);
builder.Services.AddSingleton(fileLog);
builder.Services.AddSingleton(run);

// The composition a user would copy: the four packages joined, then the LLM pipeline over a provider.
builder.Services.AddResourceKitAgentHost(builder.Configuration);
var workload = new ConversationWorkload(run.Load);
builder.Services.AddSingleton(sp => new SimulatedChatClient(workload.ProviderOptions, sp.GetRequiredService<TimeProvider>()));
builder.Services.AddResourceKitChatPipeline(sp => builder.Configuration["Llm:Endpoint"] is { Length: > 0 } endpoint
    ? new OpenAI.Chat.ChatClient(
            builder.Configuration["Llm:Model"] ?? "gpt-4o-mini",
            new ApiKeyCredential(builder.Configuration["Llm:ApiKey"] ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY") ?? string.Empty),
            new OpenAIClientOptions { Endpoint = new Uri(endpoint) })
        .AsIChatClient()
    : sp.GetRequiredService<SimulatedChatClient>());

// Local stand-ins for Gmail, the browser, TTS/STT and Twilio, with the seed's pools for browsers and TTS engines.
builder.Services.AddSingleton(sp => new SimulatedExternalServices(sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<IMailboxClient>(sp => sp.GetRequiredService<SimulatedExternalServices>());
builder.Services.AddSingleton<ISpeechRecognizer>(sp => sp.GetRequiredService<SimulatedExternalServices>());
builder.Services.AddSingleton<ITelephonyGateway>(sp => sp.GetRequiredService<SimulatedExternalServices>());
builder.Services.AddSingleton(sp => new ResourcePool<IBrowserSession>(
    ResourcePoolPresets.Browser(), _ => ValueTask.FromResult<IBrowserSession>(sp.GetRequiredService<SimulatedExternalServices>()), timeProvider: sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton(sp => new ResourcePool<ISpeechSynthesizer>(
    ResourcePoolPresets.TextToSpeech(), _ => ValueTask.FromResult<ISpeechSynthesizer>(sp.GetRequiredService<SimulatedExternalServices>()), timeProvider: sp.GetRequiredService<TimeProvider>()));
builder.Services.AddSingleton<IMemoryReclaimer>(sp => sp.GetRequiredService<ResourcePool<IBrowserSession>>());
builder.Services.AddSingleton<IMemoryReclaimer>(sp => sp.GetRequiredService<ResourcePool<ISpeechSynthesizer>>());
builder.Services.AddSingleton<AgentMailbox>();
builder.Services.AddSingleton(workload);

// The fifteen loops; priorities, intervals and CPU budgets come from appsettings.json (ResourceKit:Scheduling:Loops).
builder.Services.AddAgentLoop<HeartbeatLoop>("heartbeat");
builder.Services.AddAgentLoop<SoulMaintenanceLoop>("soul_maintenance");
builder.Services.AddAgentLoop<UserInputHandlerLoop>("user_input_handler");
builder.Services.AddAgentLoop<ConversationManagerLoop>("conversation_manager");
builder.Services.AddAgentLoop<NotificationDispatcherLoop>("notification_dispatcher");
builder.Services.AddAgentLoop<GmailSyncLoop>("gmail_sync");
builder.Services.AddAgentLoop<BrowserMonitorLoop>("browser_monitor");
builder.Services.AddAgentLoop<TtsProcessorLoop>("tts_processor");
builder.Services.AddAgentLoop<SttProcessorLoop>("stt_processor");
builder.Services.AddAgentLoop<TwilioHandlerLoop>("twilio_handler");
builder.Services.AddAgentLoop<MemoryCleanupLoop>("memory_cleanup");
builder.Services.AddAgentLoop<LogRotationLoop>("log_rotation");
builder.Services.AddAgentLoop<CacheMaintenanceLoop>("cache_maintenance");
builder.Services.AddAgentLoop<MetricsCollectionLoop>("metrics_collection");
builder.Services.AddAgentLoop<SelfOptimizationLoop>("self_optimization");

builder.Services.AddSingleton<BudgetActionLog>();
builder.Services.AddSingleton<RunReportBuilder>();
builder.Services.AddHostedService<ConsoleStatusService>();
builder.Services.AddHostedService<RunLifetimeService>();
builder.Services.AddHostedService<RunReportService>();

// The file logger is an instance the container does not own: dispose it after the host, so the lines the host logs
// while stopping and disposing are written.
try
{
    using var host = builder.Build();
    await host.RunAsync();
}
finally
{
    fileLog.Dispose();
}
