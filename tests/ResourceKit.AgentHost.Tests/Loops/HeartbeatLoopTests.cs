using Microsoft.Extensions.DependencyInjection;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Caching;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class HeartbeatLoopTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-heartbeat-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_NoLoopHasRunYet_WritesThePulseWithNoStalledLoops()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var loop = host.Services.GetRequiredService<HeartbeatLoop>();
        host.Time.Advance(TimeSpan.FromMinutes(10)); // long past three intervals of every loop, but none has started

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.StalledLoops, Is.Zero, "a loop still waiting for its first tick is not stalled");
        var pulse = await ReadPulseAsync(host);
        Assert.That(pulse.HasValue, Is.True);
        Assert.That(pulse.Value, Is.EqualTo(new HeartbeatLoop.Heartbeat(SampleHost.Start.AddMinutes(10), "Normal", 0, 0)));
    }

    [Test]
    public async Task ExecuteAsync_LoopNotStartedForMoreThanThreeIntervals_CountsItStalled()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        using var priority = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = 2 }, host.Time, new IdleCpu());
        await using var loops = new AgentLoopScheduler(priority);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        loops.Add("stuck", new AgentLoopOptions { Interval = TimeSpan.FromSeconds(1), Timeout = Timeout.InfiniteTimeSpan }, async ct =>
        {
            // Never returns until shutdown: the loop cannot start again, so its last start grows old.
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        });
        var heartbeat = NewHeartbeat(host, loops);
        loops.Start();
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await started.Task.WaitAsync(SampleHost.Guard);

        host.Time.Advance(TimeSpan.FromSeconds(3));
        await heartbeat.ExecuteAsync(CancellationToken.None);
        Assert.That(heartbeat.StalledLoops, Is.Zero, "exactly three intervals is not yet stalled");

        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        await heartbeat.ExecuteAsync(CancellationToken.None);
        Assert.That(heartbeat.StalledLoops, Is.EqualTo(1));
        var pulse = await ReadPulseAsync(host);
        Assert.That(pulse.Value.StalledLoops, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_LoopWhoseTicksAreSkippedForCpu_CountsItHeldBackNotStalled()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        var cpu = new SettableCpu();
        await using var hungry = new HungryLoop(host, cpu);
        var loops = hungry.Loops;
        var heartbeat = NewHeartbeat(host, loops);
        loops.Start();
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await hungry.Priority.WhenIdleAsync().WaitAsync(SampleHost.Guard);

        // From the next CPU sample on, 95 % + the loop's 15 % is over the 90 % loop limit: every later tick is skipped.
        cpu.Utilization = 0.95;
        for (var i = 0; i < 12; i++)
        {
            host.Time.Advance(TimeSpan.FromMilliseconds(500));
            await heartbeat.ExecuteAsync(CancellationToken.None);
        }

        var statistics = loops.GetStatistics("hungry")!;
        Assert.Multiple(() =>
        {
            Assert.That(statistics.Runs, Is.EqualTo(1));
            Assert.That(statistics.CpuSkips, Is.EqualTo(6));
            Assert.That(heartbeat.StalledLoops, Is.Zero, "a loop shed for CPU is doing what it should");
            Assert.That(heartbeat.HeldBackLoops, Is.EqualTo(1));
        });
        var pulse = await ReadPulseAsync(host);
        Assert.That(pulse.Value.HeldBackLoops, Is.EqualTo(1));
    }

    [Test]
    public async Task ExecuteAsync_LoopSkippedForCpuSinceItsFirstTick_CountsItHeldBackAfterMoreThanThreeSkips()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        await using var hungry = new HungryLoop(host, new SettableCpu { Utilization = 0.95 });
        var loops = hungry.Loops;
        var heartbeat = NewHeartbeat(host, loops);
        loops.Start();

        // The first CPU sample (0.5 s) comes before the first tick (1 s), so every tick is skipped and the loop never runs.
        for (var i = 0; i < 7; i++)
        {
            host.Time.Advance(TimeSpan.FromMilliseconds(500));
            await heartbeat.ExecuteAsync(CancellationToken.None);
        }

        Assert.That(loops.GetStatistics("hungry")!.CpuSkips, Is.EqualTo(3));
        Assert.That(heartbeat.HeldBackLoops, Is.Zero, "three skipped ticks are three intervals, not more");

        host.Time.Advance(TimeSpan.FromMilliseconds(500));
        await heartbeat.ExecuteAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(loops.GetStatistics("hungry")!.Runs, Is.Zero);
            Assert.That(heartbeat.HeldBackLoops, Is.EqualTo(1));
            Assert.That(heartbeat.StalledLoops, Is.Zero);
        });
    }

    [Test]
    public async Task ExecuteAsync_LoopWithNoTickForMoreThanThreeIntervals_CountsItStalled()
    {
        await using var host = SampleHost.Create(_folder, new FlakySpendStore());
        using var priority = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = 2 }, host.Time, new SettableCpu());
        await using var loops = new AgentLoopScheduler(priority);

        // Never started: its timer never fires, so it neither runs nor skips.
        loops.Add("silent", new AgentLoopOptions { Interval = TimeSpan.FromSeconds(1) }, _ => ValueTask.CompletedTask);
        var heartbeat = NewHeartbeat(host, loops);

        await heartbeat.ExecuteAsync(CancellationToken.None);
        host.Time.Advance(TimeSpan.FromSeconds(3));
        await heartbeat.ExecuteAsync(CancellationToken.None);
        Assert.That(heartbeat.StalledLoops, Is.Zero, "exactly three intervals without a tick is not yet stalled");

        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        await heartbeat.ExecuteAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(heartbeat.StalledLoops, Is.EqualTo(1));
            Assert.That(heartbeat.HeldBackLoops, Is.Zero);
        });
    }

    private static HeartbeatLoop NewHeartbeat(SampleHost host, AgentLoopScheduler loops) =>
        new(loops, host.Services.GetRequiredService<MemoryPressureMonitor>(), host.Services.GetRequiredService<TieredCache>(), host.Time);

    private static ValueTask<CacheResult<HeartbeatLoop.Heartbeat>> ReadPulseAsync(SampleHost host) =>
        host.Services.GetRequiredService<TieredCache>().TryGetAsync<HeartbeatLoop.Heartbeat>("host:heartbeat", CachePolicyNames.SystemConfiguration);

    /// <summary>One loop, "hungry" (1 s, a 15 % CPU budget), on a scheduler that samples the given CPU source every 500 ms.</summary>
    private sealed class HungryLoop : IAsyncDisposable
    {
        public HungryLoop(SampleHost host, SettableCpu cpu)
        {
            Priority = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = 2, CpuSampleInterval = TimeSpan.FromMilliseconds(500) }, host.Time, cpu);
            Loops = new AgentLoopScheduler(Priority);
            Loops.Add("hungry", new AgentLoopOptions { Interval = TimeSpan.FromSeconds(1), CpuBudgetPercent = 15 }, _ => ValueTask.CompletedTask);
        }

        public PriorityScheduler Priority { get; }

        public AgentLoopScheduler Loops { get; }

        public async ValueTask DisposeAsync()
        {
            await Loops.DisposeAsync();
            Priority.Dispose();
        }
    }

    private sealed class IdleCpu : ICpuUtilizationSource
    {
        public double SampleUtilization() => 0;
    }

    private sealed class SettableCpu : ICpuUtilizationSource
    {
        public double Utilization { get; set; }

        public double SampleUtilization() => Utilization;
    }
}
