using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.DependencyInjection;

public sealed class SchedulingServiceCollectionExtensionsTests
{
    private static readonly string[] SeedLoops =
    [
        "heartbeat", "soul_maintenance", "user_input_handler", "conversation_manager", "notification_dispatcher",
        "gmail_sync", "browser_monitor", "tts_processor", "stt_processor", "twilio_handler",
        "memory_cleanup", "log_rotation", "cache_maintenance", "metrics_collection", "self_optimization",
    ];

    private static HostApplicationBuilder CreateBuilder(FakeTimeProvider time, Dictionary<string, string?>? settings = null, bool seedTable = false)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (seedTable)
        {
            builder.Configuration.AddJsonFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "DependencyInjection", "agent-loops.json"));
        }

        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<ICpuUtilizationSource>(new FakeCpuSource());
        return builder;
    }

    [Test]
    public async Task AddResourceKitScheduling_SeedLoopTableFromJson_RunsAllFifteenLoopsOnTheirIntervals()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time, seedTable: true);
        var runs = SeedLoops.ToDictionary(name => name, _ => 0);
        builder.Services.AddResourceKitScheduling(builder.Configuration.GetSection("ResourceKit:Scheduling"));
        foreach (var name in SeedLoops)
        {
            builder.Services.AddAgentLoop(name, _ =>
            {
                lock (runs)
                {
                    runs[name]++;
                }

                return ValueTask.CompletedTask;
            });
        }

        using var host = builder.Build();
        await host.StartAsync();
        var scheduler = host.Services.GetRequiredService<PriorityScheduler>();
        var loops = host.Services.GetRequiredService<AgentLoopScheduler>();

        for (int step = 0; step < 600; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await scheduler.Idle();
        }

        await host.StopAsync();

        Assert.That(loops.Names, Is.EquivalentTo(SeedLoops));
        var heartbeat = loops.GetStatistics("heartbeat")!;
        Assert.Multiple(() =>
        {
            Assert.That((heartbeat.Priority, heartbeat.Interval, heartbeat.CpuBudgetPercent), Is.EqualTo((WorkPriority.Critical, TimeSpan.FromSeconds(5), 2.0)));
            Assert.That(heartbeat.Description, Is.EqualTo("System health monitoring"));
            Assert.That(runs["heartbeat"], Is.EqualTo(12), "60 s / 5 s");
            Assert.That(runs["soul_maintenance"], Is.EqualTo(1));
            Assert.That(runs["user_input_handler"], Is.EqualTo(120));
            Assert.That(runs["tts_processor"], Is.EqualTo(600));
            Assert.That(runs["gmail_sync"], Is.EqualTo(2));
            Assert.That(runs["self_optimization"], Is.Zero, "first run after 30 minutes");
            Assert.That(loops.GetStatistics("tts_processor")!.IntervalAdherence, Is.EqualTo(1.0).Within(1e-9));
        });
    }

    [Test]
    public async Task AddResourceKitScheduling_InvalidConfiguration_FailsAtStartListingEveryError()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time, new Dictionary<string, string?>
        {
            ["Scheduling:Scheduler:MaxConcurrency"] = "0",
            ["Scheduling:Loops:zero:Interval"] = "00:00:00",
            ["Scheduling:Loops:greedy:Interval"] = "00:00:01",
            ["Scheduling:Loops:greedy:CpuBudgetPercent"] = "150",
            ["Scheduling:Loops:greedy:InitialDelay"] = "-00:00:01",
            ["Scheduling:Loops:greedy:Timeout"] = "60.00:00:00",
            ["Scheduling:Loops:orphan:Interval"] = "00:00:01",
            ["Scheduling:ShutdownGracePeriod"] = "60.00:00:00",
        });
        builder.Services.AddResourceKitScheduling(builder.Configuration.GetSection("Scheduling"));
        builder.Services.AddAgentLoop("zero", _ => ValueTask.CompletedTask);
        builder.Services.AddAgentLoop("greedy", _ => ValueTask.CompletedTask);
        using var host = builder.Build();

        var exception = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.That(exception!.Failures, Has.Some.Contains("MaxConcurrency must be at least 1 (was 0)"));
        Assert.That(exception.Failures, Has.Some.Contains("Loop 'zero': Interval must be greater than zero"));
        Assert.That(exception.Failures, Has.Some.Contains("Loop 'greedy': CpuBudgetPercent must be between 0 and 100 percent (was 150)"));
        Assert.That(exception.Failures, Has.Some.Contains("Loop 'greedy': InitialDelay must not be negative"));
        Assert.That(exception.Failures, Has.Some.Contains("Loop 'greedy': Timeout must be at most 49.7 days"));
        Assert.That(exception.Failures, Has.Some.Contains("ShutdownGracePeriod must be at most 49.7 days"));
        Assert.That(exception.Failures, Has.Some.Contains("Loop 'orphan' is configured but no handler named 'orphan' is registered"));
    }

    [Test]
    public void AddAgentLoop_DuplicateName_Throws()
    {
        var services = new ServiceCollection();
        services.AddAgentLoop("heartbeat", _ => ValueTask.CompletedTask, o => o.Interval = TimeSpan.FromSeconds(5));

        var exception = Assert.Throws<ArgumentException>(() => services.AddAgentLoop("Heartbeat", _ => ValueTask.CompletedTask));

        Assert.That(exception!.Message, Does.Contain("'Heartbeat' is already registered"));
    }

    [Test]
    public void AddResourceKitScheduling_CalledTwice_RegistersServicesOnce()
    {
        var services = new ServiceCollection();

        services.AddResourceKitScheduling().AddResourceKitScheduling(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(3));

        Assert.That(services.Count(d => d.ServiceType == typeof(PriorityScheduler)), Is.EqualTo(1));
        Assert.That(services.Count(d => d.ServiceType == typeof(IHostedService)), Is.EqualTo(1));
        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<IOptions<SchedulingOptions>>().Value.ShutdownGracePeriod, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task ServiceProvider_DisposedSynchronously_StopsLoopsAndScheduler()
    {
        var time = new FakeTimeProvider();
        int runs = 0;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ICpuUtilizationSource>(new FakeCpuSource());
        services.AddResourceKitScheduling();
        services.AddAgentLoop(
            "heartbeat",
            _ =>
            {
                Interlocked.Increment(ref runs);
                return ValueTask.CompletedTask;
            },
            o => o.Interval = TimeSpan.FromSeconds(5));
        var provider = services.BuildServiceProvider();
        var loops = provider.GetRequiredService<AgentLoopScheduler>();
        loops.Start();
        var scheduler = provider.GetRequiredService<PriorityScheduler>();
        time.Advance(TimeSpan.FromSeconds(5));
        await scheduler.Idle();
        Assert.That(Volatile.Read(ref runs), Is.EqualTo(1), "the loop ticks before the dispose");

        Assert.DoesNotThrow(provider.Dispose);
        var atDispose = loops.GetStatistics("heartbeat")!;
        for (int tick = 0; tick < 4; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }

        // A loop still ticking would not run (the scheduler turns it away) but would count the refusal, so both the
        // runs and the loop's own counters must stand still.
        var afterDispose = loops.GetStatistics("heartbeat")!;
        Assert.Multiple(() =>
        {
            Assert.That(scheduler.TrySchedule(_ => { }).RejectionReason, Is.EqualTo(RejectionReason.ShuttingDown));
            Assert.That(Volatile.Read(ref runs), Is.EqualTo(1), "no run after the dispose");
            Assert.That(
                (afterDispose.Runs, afterDispose.RejectedSkips, afterDispose.MissedTicks, afterDispose.CpuSkips),
                Is.EqualTo((atDispose.Runs, atDispose.RejectedSkips, atDispose.MissedTicks, atDispose.CpuSkips)),
                "no tick after the dispose");
        });
    }

    [Test]
    public async Task AddAgentLoop_LoopDependingOnTheLoopScheduler_StartsWithoutCircularResolution()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time);
        builder.Services.AddResourceKitScheduling(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(1));
        builder.Services.AddAgentLoop<StatisticsReadingLoop>("heartbeat", o => o.Interval = TimeSpan.FromSeconds(5));
        using var host = builder.Build();

        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromSeconds(5));
        await host.Services.GetRequiredService<PriorityScheduler>().Idle();

        Assert.That(host.Services.GetRequiredService<StatisticsReadingLoop>().LoopsSeen, Is.EqualTo(1));
        await host.StopAsync();
    }

    [Test]
    public async Task AddAgentLoop_LoopConstructorThrowsOnce_RunsOnALaterTick()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time);
        var dependency = new FlakyDependency { FailuresLeft = 1 };
        builder.Services.AddSingleton(dependency);
        builder.Services.AddResourceKitScheduling(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(1));
        builder.Services.AddAgentLoop<FlakyConstructionLoop>("flaky", o => o.Interval = TimeSpan.FromSeconds(5));
        using var host = builder.Build();
        await host.StartAsync();
        var scheduler = host.Services.GetRequiredService<PriorityScheduler>();

        time.Advance(TimeSpan.FromSeconds(5));
        await scheduler.Idle();
        time.Advance(TimeSpan.FromSeconds(5));
        await scheduler.Idle();

        var statistics = host.Services.GetRequiredService<AgentLoopScheduler>().GetStatistics("flaky")!;
        Assert.Multiple(() =>
        {
            Assert.That(statistics.Failures, Is.EqualTo(1), "the first tick fails to construct the loop");
            Assert.That(dependency.Runs, Is.EqualTo(1), "the second tick constructs it again and runs it");
        });
        await host.StopAsync();
    }

    [Test]
    public async Task AddAgentLoop_TypedLoopAndSharedHandler_RunFromCodeAndConfiguration()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time, new Dictionary<string, string?>
        {
            ["Scheduling:Loops:tts_processor:Interval"] = "00:00:00.100",
            ["Scheduling:Loops:tts_processor:Handler"] = "speech",
            ["Scheduling:Loops:stt_processor:Interval"] = "00:00:00.100",
            ["Scheduling:Loops:stt_processor:Handler"] = "speech",
            ["Scheduling:Loops:stt_processor:Enabled"] = "false",
        });
        builder.Services.AddSingleton<CountingLoop>();
        builder.Services.AddResourceKitScheduling(builder.Configuration.GetSection("Scheduling"));
        builder.Services.AddAgentLoop<CountingLoop>("typed", o => { o.Interval = TimeSpan.FromSeconds(1); o.Priority = WorkPriority.High; });
        builder.Services.AddAgentLoopHandler("speech", sp => sp.GetRequiredService<CountingLoop>());
        using var host = builder.Build();
        await host.StartAsync();
        var scheduler = host.Services.GetRequiredService<PriorityScheduler>();

        for (int i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await scheduler.Idle();
        }

        var loops = host.Services.GetRequiredService<AgentLoopScheduler>();
        Assert.That(loops.Names, Is.EquivalentTo(new[] { "typed", "tts_processor" }), "disabled loops are not created");
        Assert.That(host.Services.GetRequiredService<CountingLoop>().Runs, Is.EqualTo(11), "10 speech ticks and 1 typed tick");
        Assert.That(loops.GetStatistics("typed")!.Priority, Is.EqualTo(WorkPriority.High));
        await host.StopAsync();
    }

    [Test]
    public async Task HostStop_LoopRunning_SignalsItsTokenAndDrains()
    {
        var time = new FakeTimeProvider();
        var builder = CreateBuilder(time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool canceled = false;
        builder.Services.AddResourceKitScheduling(o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(5));
        builder.Services.AddAgentLoop("long", async ct =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                canceled = true;
                throw;
            }
        }, o => o.Interval = TimeSpan.FromSeconds(1));
        using var host = builder.Build();
        await host.StartAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        await started.Task.Guarded();

        await host.StopAsync().Guarded();

        var scheduler = host.Services.GetRequiredService<PriorityScheduler>();
        Assert.That(canceled, Is.True);
        Assert.That(scheduler.TrySchedule(_ => { }).RejectionReason, Is.EqualTo(RejectionReason.ShuttingDown));
        Assert.That(host.Services.GetRequiredService<AgentLoopScheduler>().GetStatistics("long")!.Failures, Is.Zero);
    }

    private sealed class CountingLoop : IAgentLoop
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public ValueTask ExecuteAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FlakyDependency
    {
        public int FailuresLeft { get; set; }

        public int Runs { get; set; }
    }

    private sealed class FlakyConstructionLoop : IAgentLoop
    {
        private readonly FlakyDependency _dependency;

        public FlakyConstructionLoop(FlakyDependency dependency)
        {
            if (dependency.FailuresLeft-- > 0)
            {
                throw new InvalidOperationException("dependency not ready");
            }

            _dependency = dependency;
        }

        public ValueTask ExecuteAsync(CancellationToken cancellationToken)
        {
            _dependency.Runs++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class StatisticsReadingLoop(AgentLoopScheduler loops) : IAgentLoop
    {
        public int LoopsSeen { get; private set; }

        public ValueTask ExecuteAsync(CancellationToken cancellationToken)
        {
            LoopsSeen = loops.GetStatistics().Count;
            return ValueTask.CompletedTask;
        }
    }
}
