using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Agents.Simulation;
using ResourceKit.Caching;
using ResourceKit.Cost.Ledger;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Tests;

public sealed class AgentHostCompositionTests
{
    // The seed's table of fifteen loops (seed 000, config/agent_loops.py): priority, interval in seconds, CPU limit in percent.
    private static readonly (string Name, WorkPriority Priority, double IntervalSeconds, double CpuLimit, string Description)[] SeedLoops =
    [
        ("heartbeat", WorkPriority.Critical, 5, 2, "System health monitoring"),
        ("soul_maintenance", WorkPriority.Critical, 60, 5, "Agent soul/identity maintenance"),
        ("user_input_handler", WorkPriority.High, 0.5, 10, "Process user input and commands"),
        ("conversation_manager", WorkPriority.High, 1, 8, "Manage active conversations"),
        ("notification_dispatcher", WorkPriority.High, 2, 5, "Send notifications to user"),
        ("gmail_sync", WorkPriority.Normal, 30, 10, "Synchronize Gmail inbox"),
        ("browser_monitor", WorkPriority.Normal, 5, 8, "Monitor browser state"),
        ("tts_processor", WorkPriority.Normal, 0.1, 5, "Process TTS requests"),
        ("stt_processor", WorkPriority.Normal, 0.1, 5, "Process speech-to-text"),
        ("twilio_handler", WorkPriority.Normal, 10, 5, "Handle Twilio voice/SMS"),
        ("memory_cleanup", WorkPriority.Low, 300, 15, "Clean up unused memory"),
        ("log_rotation", WorkPriority.Low, 3600, 5, "Rotate and archive logs"),
        ("cache_maintenance", WorkPriority.Low, 600, 10, "Maintain cache freshness"),
        ("metrics_collection", WorkPriority.Background, 60, 3, "Collect system metrics"),
        ("self_optimization", WorkPriority.Background, 1800, 10, "Self-optimization analysis"),
    ];

    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-composition-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AddSampleAgentHost_SampleConfiguration_SchedulesTheSeedsFifteenLoops()
    {
        await using var host = SampleHost.Create(_folder);

        var loops = host.Services.GetRequiredService<AgentLoopScheduler>().GetStatistics().ToDictionary(l => l.Name);

        Assert.That(loops.Keys, Is.EquivalentTo(SeedLoops.Select(l => l.Name)));
        foreach (var (name, priority, interval, cpuLimit, description) in SeedLoops)
        {
            var loop = loops[name];
            Assert.That(loop.Priority, Is.EqualTo(priority), name);
            Assert.That(loop.Interval, Is.EqualTo(TimeSpan.FromSeconds(interval)), name);
            Assert.That(loop.Description, Is.EqualTo(description), name);

            // The component allocation table may lower a loop's budget to its component's ceiling, never raise it.
            Assert.That(loop.CpuBudgetPercent, Is.GreaterThan(0).And.LessThanOrEqualTo(cpuLimit), name);
            Assert.That(loop.Runs, Is.Zero, "built, not started");
        }
    }

    [Test]
    public async Task AddSampleAgentHost_SampleConfiguration_PassesStartupValidationAndResolvesEveryLoop()
    {
        await using var host = SampleHost.Create(_folder);

        Assert.That(() => host.Services.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing);
        Type[] loopTypes =
        [
            typeof(HeartbeatLoop), typeof(SoulMaintenanceLoop), typeof(UserInputHandlerLoop), typeof(ConversationManagerLoop),
            typeof(NotificationDispatcherLoop), typeof(GmailSyncLoop), typeof(BrowserMonitorLoop), typeof(TtsProcessorLoop),
            typeof(SttProcessorLoop), typeof(TwilioHandlerLoop), typeof(MemoryCleanupLoop), typeof(LogRotationLoop),
            typeof(CacheMaintenanceLoop), typeof(MetricsCollectionLoop), typeof(SelfOptimizationLoop),
        ];
        Assert.That(loopTypes.Select(t => host.Services.GetRequiredService(t)), Has.All.InstanceOf<IAgentLoop>());
        Assert.That(host.Services.GetRequiredService<ResourceKit.AgentHost.Logging.RollingFileLoggerProvider>(), Is.SameAs(host.FileLog));
    }

    [Test]
    public async Task AddSampleAgentHost_NoLlmEndpoint_ChatPipelineEndsInTheSimulatedModel()
    {
        await using var host = SampleHost.Create(_folder);

        var chat = host.Services.GetRequiredService<IChatClient>();

        Assert.That(chat.GetService<SimulatedChatClient>(), Is.SameAs(host.Services.GetRequiredService<SimulatedChatClient>()));
    }

    [Test]
    public async Task AddSampleAgentHost_LlmEndpointWithoutKey_ChatPipelineEndsInTheOpenAiClient()
    {
        // Before: ApiKeyCredential refused the empty key, so the pipeline could not be built (every conversation tick failed).
        await using var host = SampleHost.Create(_folder, spendStore: null, "--Llm:Endpoint", "http://127.0.0.1:9/v1", "--Llm:ApiKey", string.Empty);

        var chat = host.Services.GetRequiredService<IChatClient>();

        Assert.That(chat.GetService<SimulatedChatClient>(), Is.Null);
        Assert.That(chat.GetService<ChatClientMetadata>()?.ProviderUri, Is.EqualTo(new Uri("http://127.0.0.1:9/v1")));
    }

    [Test]
    public async Task AddSampleAgentHost_HostedServices_ReportServiceIsRegisteredLastSoItStopsFirst()
    {
        await using var host = SampleHost.Create(_folder);

        var hosted = host.Services.GetServices<IHostedService>().ToList();

        Assert.That(hosted[^1], Is.InstanceOf<RunReportService>());
        Assert.That(hosted[^2], Is.InstanceOf<RunLifetimeService>());
        Assert.That(hosted[^3], Is.InstanceOf<ConsoleStatusService>());
    }

    [Test]
    public async Task Host_StartedAndStopped_PrintsTheSummaryWritesTheReportAndLogsItsShutdownToTheFile()
    {
        var report = Path.Combine(_folder, "run.json");
        var host = SampleHost.Create(_folder, spendStore: null, "--report", report);
        using (var console = new ConsoleCapture())
        {
            try
            {
                await host.Host.StartAsync();
                await host.Host.StopAsync();
            }
            finally
            {
                await host.DisposeAsync();
            }

            var lines = console.TakeWritten();
            Assert.That(lines, Has.Some.StartWith("=== ResourceKit agent host: 0 s, load normal ==="));
            Assert.That(lines, Has.Some.EqualTo($"Report written to {report}"));
        }

        Assert.That(File.ReadAllText(report), Does.Contain("\"heartbeat\""));

        // The file log was disposed after the host: the lines the host logged while disposing its services are there.
        var log = File.ReadAllText(Path.Combine(_folder, "logs", "agenthost.log"));
        Assert.That(log, Does.Contain("ResourceKit.AgentHost.RunLifetimeService: ResourceKit agent host is running; press Ctrl+C to stop."));
        Assert.That(log, Does.Contain("ResourceKit.Memory.GarbageCollection.GcTuner: GC settings restored"));
        Assert.That(host.FileLog.DroppedLines, Is.Zero);
    }

    [Test]
    public async Task UseDataFolder_DataFolderArgument_PutsCacheLedgerAlertsAndLogsInIt()
    {
        await using var host = SampleHost.Create(_folder, spendStore: null, "--duration", "60s");

        var configuration = host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.That(host.DataFolder, Is.EqualTo(Path.GetFullPath(_folder)));
        Assert.That(configuration["ResourceKit:Caching:Disk:Directory"], Is.EqualTo(Path.Combine(_folder, "cache")));
        Assert.That(configuration["ResourceKit:Cost:StoreFilePath"], Is.EqualTo(Path.Combine(_folder, "spend.json")));
        Assert.That(configuration["ResourceKit:Health:AlertFilePath"], Is.EqualTo(Path.Combine(_folder, "alerts.jsonl")));
        Assert.That(host.Services.GetRequiredService<ISpendStore>(), Is.InstanceOf<FileSpendStore>());
        Assert.That(host.FileLog.Folder, Is.EqualTo(Path.Combine(_folder, "logs")));
        Assert.That(host.Services.GetRequiredService<RunOptions>().Duration, Is.EqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(host.Services.GetRequiredService<TieredCache>(), Is.Not.Null);
    }
}
