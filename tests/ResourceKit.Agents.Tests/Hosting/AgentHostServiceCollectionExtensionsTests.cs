using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Dashboard;
using ResourceKit.Agents.Hosting;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Cost.Budgets;
using ResourceKit.Memory.GarbageCollection;
using ResourceKit.Memory.Reclamation;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Tests.Hosting;

public sealed class AgentHostServiceCollectionExtensionsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = TestHostConfiguration.NewFolder();

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Host_StartsRunsLoopsOnFakeTimeAndStopsCleanly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddConfiguration(TestHostConfiguration.Create(
            _folder,
            ("ResourceKit:Scheduling:Loops:heartbeat:Priority", "Critical"),
            ("ResourceKit:Scheduling:Loops:heartbeat:Interval", "00:00:05"),
            ("ResourceKit:Scheduling:Loops:heartbeat:CpuBudgetPercent", "50")));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddResourceKitAgentHost(builder.Configuration);
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        builder.Services.AddAgentLoop("heartbeat", _ =>
        {
            ran.TrySetResult();
            return ValueTask.CompletedTask;
        });

        using var host = builder.Build();
        await host.StartAsync();
        time.Advance(TimeSpan.FromSeconds(5));
        await ran.Task.WaitAsync(Guard);
        await host.StopAsync();

        var loops = host.Services.GetRequiredService<AgentLoopScheduler>().GetStatistics("heartbeat");
        Assert.That(loops!.Runs, Is.GreaterThanOrEqualTo(1));
        Assert.That(loops.CpuBudgetPercent, Is.EqualTo(15), "capped by the core_agent component's 15 % ceiling");
    }

    [Test]
    public void AddResourceKitAgentHost_RegistersComponentPoolsAsReclaimersAtStart()
    {
        using var provider = BuildProvider();
        var components = provider.GetRequiredService<AgentComponents>();

        Assert.That(components.Pools.Select(p => p.Name), Is.EquivalentTo(new AgentHostOptions().Components.Keys));
        Assert.That(components.PoolOf("browser_control").Statistics.MaxBytes, Is.EqualTo(512L * 1024 * 1024));
        Assert.That(components.ComponentOfLoop("tts_processor"), Is.EqualTo("tts_stt_service"));
        Assert.That(provider.GetServices<IMemoryReclaimer>().Select(r => r.Name), Does.Contain("tiered-cache-l1"));
        var sampler = provider.GetRequiredService<SharedCpuSampler>();
        Assert.That(provider.GetRequiredService<ICpuUtilizationSource>(), Is.SameAs(sampler));
        Assert.That(provider.GetRequiredService<ICpuUsageSource>(), Is.SameAs(sampler), "the GC tuner reads the same CPU sample");
    }

    [Test]
    public void AddResourceKitAgentHost_InvalidAllocation_FailsValidationWithEveryError()
    {
        var configuration = TestHostConfiguration.Create(
            _folder,
            ("ResourceKit:AgentHost:Components:gmail_service:MinMemoryMb", "500"),
            ("ResourceKit:AgentHost:Components:extra:MaxCpuPercent", "150"),
            ("ResourceKit:AgentHost:Components:extra:Loops:0", "heartbeat"));
        using var provider = new ServiceCollection().AddLogging().AddResourceKitAgentHost(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<AgentHostOptions>>().Value);

        Assert.That(ex!.Failures, Has.Some.Contains("gmail_service").And.Some.Contains("MaxCpuPercent").And.Some.Contains("'heartbeat' is assigned to both"));
    }

    [Test]
    public async Task AddResourceKitAgentHost_HealthMonitor_ReadsTheGcPauseAndDiskItHasThresholdsFor()
    {
        var configuration = TestHostConfiguration.Create(_folder);
        using var provider = new ServiceCollection().AddLogging().AddResourceKitAgentHost(configuration).BuildServiceProvider();
        var monitor = provider.GetRequiredService<HealthMonitor>();

        var snapshot = await monitor.SampleAsync();

        foreach (var metric in new[] { MetricNames.GcPausePercent, MetricNames.DiskPercent })
        {
            var readings = snapshot.Readings.Where(r => r.Metric == metric).ToList();
            Assert.That(readings, Has.Count.EqualTo(1), $"the seed's {metric} threshold needs a reading to act on");
            Assert.That(readings[0].Component, Is.EqualTo(ComponentNames.System));
            Assert.That(readings[0].Value, Is.InRange(0, 100));
        }
    }

    [Test]
    public void AddResourceKitAgentHost_DefaultLoopListRestated_IsNotDoubled()
    {
        var configuration = TestHostConfiguration.Create(
            _folder,
            ("ResourceKit:AgentHost:Components:core_agent:Loops:0", "heartbeat"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:1", "soul_maintenance"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:2", "user_input_handler"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:3", "notification_dispatcher"),
            ("ResourceKit:AgentHost:Components:core_agent:MaxMemoryMb", "600"));
        using var provider = new ServiceCollection().AddLogging().AddResourceKitAgentHost(configuration).BuildServiceProvider();

        var core = provider.GetRequiredService<IOptions<AgentHostOptions>>().Value.Components["core_agent"];

        Assert.That(core.Loops, Is.EqualTo(new[] { "heartbeat", "soul_maintenance", "user_input_handler", "notification_dispatcher" }));
        Assert.That(core.MaxMemoryMb, Is.EqualTo(600));
        Assert.That(core.MinMemoryMb, Is.EqualTo(256), "settings not named keep their defaults");
    }

    [Test]
    public void AddResourceKitAgentHost_LoopMovedToAnotherComponent_BelongsOnlyToTheNewOne()
    {
        var configuration = TestHostConfiguration.Create(
            _folder,
            ("ResourceKit:AgentHost:Components:core_agent:Loops:0", "soul_maintenance"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:1", "user_input_handler"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:2", "notification_dispatcher"),
            ("ResourceKit:AgentHost:Components:system_monitor:Loops:0", "heartbeat"));
        using var provider = new ServiceCollection().AddLogging().AddResourceKitAgentHost(configuration).BuildServiceProvider();

        var components = provider.GetRequiredService<IOptions<AgentHostOptions>>().Value.Components;

        Assert.That(components["core_agent"].Loops, Does.Not.Contain("heartbeat"));
        Assert.That(components["system_monitor"].Loops, Is.EqualTo(new[] { "heartbeat" }));
    }

    [Test]
    public void AddResourceKitAgentHost_EmptyJsonLoopList_TakesEveryLoopAwayFromTheComponent()
    {
        const string Json = """
            { "ResourceKit": { "AgentHost": { "Components": {
                "gmail_service": { "Loops": [] },
                "core_agent": { "Loops": [ "heartbeat", "soul_maintenance", "user_input_handler", "notification_dispatcher", "gmail_sync" ] } } } } }
            """;
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(TestHostConfiguration.Create(_folder))
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Json)))
            .Build();
        using var provider = new ServiceCollection().AddLogging().AddResourceKitAgentHost(configuration).BuildServiceProvider();

        var components = provider.GetRequiredService<IOptions<AgentHostOptions>>().Value.Components;

        Assert.That(components["gmail_service"].Loops, Is.Empty);
        Assert.That(components["core_agent"].Loops, Does.Contain("gmail_sync"));
    }

    [Test]
    public async Task AddResourceKitAgentHost_CalledTwice_RegistersEachHealthCheckHostedServiceAndSourceOnce()
    {
        var configuration = TestHostConfiguration.Create(
            _folder,
            ("ResourceKit:AgentHost:Components:core_agent:Loops:0", "heartbeat"),
            ("ResourceKit:AgentHost:Components:core_agent:Loops:1", "soul_maintenance"));
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)));
        services.AddResourceKitAgentHost(configuration);
        services.AddResourceKitAgentHost(configuration);
        using var provider = services.BuildServiceProvider();

        var checks = provider.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).ToList();
        var hosted = provider.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        var sources = provider.GetServices<IHealthMetricSource>().Select(s => s.GetType()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(checks, Does.Contain("resourcekit-agent-host").And.Contain("resourcekit-memory").And.Contain("resourcekit-tiered-cache"));
            Assert.That(checks, Is.Unique, "the health check service refuses duplicate names");
            Assert.That(hosted, Is.Unique);
            Assert.That(sources, Is.Unique);
            Assert.That(provider.GetServices<IMemoryReclaimer>().Select(r => r.Name), Is.Unique);
            Assert.That(provider.GetRequiredService<IOptions<AgentHostOptions>>().Value.Components["core_agent"].Loops, Is.EqualTo(new[] { "heartbeat", "soul_maintenance" }), "a list bound twice is not doubled");
        });
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.That(report.Entries.Keys, Does.Contain("resourcekit-agent-host"));
    }

    [Test]
    public async Task ChatPipeline_CachedResponse_CostsNothingAndDoesNotCallProvider()
    {
        var inner = new CountingChatClient();
        using var provider = BuildProvider(services => services.AddResourceKitChatPipeline(_ => inner));
        var chat = provider.GetRequiredService<IChatClient>();
        var ledger = provider.GetRequiredService<SpendLedger>();
        ChatMessage[] messages = [new(ChatRole.User, "What is on my calendar today?")];

        var first = await chat.GetResponseAsync(messages);
        var spentAfterFirst = await TotalCommittedAsync(ledger);
        var second = await chat.GetResponseAsync(messages);
        var spentAfterSecond = await TotalCommittedAsync(ledger);

        Assert.Multiple(() =>
        {
            Assert.That(inner.Calls, Is.EqualTo(1));
            Assert.That(second.Text, Is.EqualTo(first.Text));
            Assert.That(spentAfterFirst, Is.GreaterThan(0m), "the provider call was charged");
            Assert.That(spentAfterSecond, Is.EqualTo(spentAfterFirst), "the cached answer cost nothing");
            Assert.That(inner.LastModel, Is.Not.Null, "tiering chose a model before the provider");
        });
    }

    [Test]
    public async Task ChatPipeline_SlowProvider_HealthMonitorReadsResponseTimeAtTheSeedsCriticalLevel()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var inner = new CountingChatClient { Time = time, Latency = TimeSpan.FromSeconds(6) };
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddResourceKitAgentHost(TestHostConfiguration.Create(_folder));
        services.AddResourceKitChatPipeline(_ => inner);
        using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var monitor = provider.GetRequiredService<HealthMonitor>();

        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Draft a reply to the landlord.")]);
        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Draft a reply to the landlord.")]);
        var snapshot = await monitor.SampleAsync();

        Assert.Multiple(() =>
        {
            Assert.That(inner.Calls, Is.EqualTo(1), "the cached second answer never reached the provider");
            Assert.That(snapshot.Readings, Has.Some.EqualTo(new MetricReading(ComponentNames.Llm, MetricNames.ResponseTimeSeconds, 6)), "the cache hit is not timed");
            Assert.That(monitor.GetAlerts().Where(a => a.Metric == MetricNames.ResponseTimeSeconds).Select(a => a.Level), Is.EqualTo(new[] { AlertLevel.Critical }), "6 s is over the seed's 5 s critical threshold");
        });
    }

    [Test]
    public async Task Dashboard_SerializesEverySection()
    {
        using var provider = BuildProvider();
        var builder = provider.GetRequiredService<DashboardSnapshotBuilder>();

        var json = DashboardSnapshotBuilder.ToJson(await builder.CaptureAsync());

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        foreach (var section in new[] { "timestamp", "system", "loops", "cache", "spend", "pools", "alerts" })
        {
            Assert.That(root.TryGetProperty(section, out _), Is.True, section);
        }

        Assert.That(root.GetProperty("pools").GetArrayLength(), Is.EqualTo(7));
        Assert.That(root.GetProperty("system").GetProperty("pressureLevel").ValueKind, Is.EqualTo(JsonValueKind.String));
        Assert.That(root.GetProperty("spend").GetProperty("rules").GetArrayLength(), Is.GreaterThanOrEqualTo(3));
    }

    private ServiceProvider BuildProvider(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero)));
        services.AddResourceKitAgentHost(TestHostConfiguration.Create(_folder));
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static async Task<decimal> TotalCommittedAsync(SpendLedger ledger) =>
        (await ledger.GetReportAsync()).Windows.Max(w => w.Committed);

    private sealed class CountingChatClient : IChatClient
    {
        public int Calls { get; private set; }

        public string? LastModel { get; private set; }

        public FakeTimeProvider? Time { get; init; }

        public TimeSpan Latency { get; init; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            Time?.Advance(Latency);
            LastModel = options?.ModelId;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "You have two meetings."))
            {
                ModelId = options?.ModelId,
                Usage = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 500 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
