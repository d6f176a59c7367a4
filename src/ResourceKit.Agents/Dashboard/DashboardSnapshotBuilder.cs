using System.Diagnostics;
using System.Text.Json;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Hosting;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Caching;
using ResourceKit.Cost.Budgets;
using ResourceKit.Memory.Pressure;
using ResourceKit.Scheduling;

namespace ResourceKit.Agents.Dashboard;

/// <summary>Gathers a <see cref="DashboardSnapshot"/> from the four packages and the health monitor.</summary>
public sealed class DashboardSnapshotBuilder
{
    private const int RecentAlerts = 20;
    private readonly SharedCpuSampler _cpu;
    private readonly MemoryPressureMonitor _memory;
    private readonly AgentLoopScheduler _loops;
    private readonly TieredCache _cache;
    private readonly SpendLedger _ledger;
    private readonly AgentComponents _components;
    private readonly HealthMonitor _health;
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private readonly TimeSpan _startPause;

    /// <summary>Initializes a new instance of the <see cref="DashboardSnapshotBuilder"/> class; GC pause is measured from here.</summary>
    /// <param name="cpu">The shared CPU sampler.</param>
    /// <param name="memory">The memory pressure monitor.</param>
    /// <param name="loops">The loop scheduler.</param>
    /// <param name="cache">The tiered cache.</param>
    /// <param name="ledger">The spend ledger.</param>
    /// <param name="components">The components and their pools.</param>
    /// <param name="health">The health monitor.</param>
    /// <param name="timeProvider">The time provider.</param>
    public DashboardSnapshotBuilder(
        SharedCpuSampler cpu,
        MemoryPressureMonitor memory,
        AgentLoopScheduler loops,
        TieredCache cache,
        SpendLedger ledger,
        AgentComponents components,
        HealthMonitor health,
        TimeProvider timeProvider)
    {
        _cpu = cpu ?? throw new ArgumentNullException(nameof(cpu));
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _loops = loops ?? throw new ArgumentNullException(nameof(loops));
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        _components = components ?? throw new ArgumentNullException(nameof(components));
        _health = health ?? throw new ArgumentNullException(nameof(health));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

        // Wall time uses the real clock: GC pauses are real, so the denominator must be too.
        _startTimestamp = Stopwatch.GetTimestamp();
        _startPause = GC.GetTotalPauseDuration();
    }

    /// <summary>Gets the GC pause time since the builder was created, as a percentage of the wall time elapsed.</summary>
    public double GcPausePercent
    {
        get
        {
            var wall = Stopwatch.GetElapsedTime(_startTimestamp);
            return wall <= TimeSpan.Zero ? 0 : (GC.GetTotalPauseDuration() - _startPause) / wall * 100;
        }
    }

    /// <summary>Serializes a snapshot as indented JSON.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(DashboardSnapshot snapshot) => JsonSerializer.Serialize(snapshot, DashboardJsonContext.Default.DashboardSnapshot);

    /// <summary>Takes a snapshot.</summary>
    /// <param name="cancellationToken">Cancels reading the spend ledger.</param>
    /// <returns>The snapshot.</returns>
    public async ValueTask<DashboardSnapshot> CaptureAsync(CancellationToken cancellationToken = default)
    {
        var spend = await _ledger.GetReportAsync(cancellationToken).ConfigureAwait(false);
        using var process = Process.GetCurrentProcess();
        var reading = _memory.Reading;
        var system = new SystemOverview(
            _cpu.Last * 100,
            reading.UsedBytes,
            reading.LimitBytes,
            _memory.Level,
            process.WorkingSet64,
            process.PeakWorkingSet64,
            GcPausePercent,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            Stopwatch.GetElapsedTime(_startTimestamp));

        var cacheStatistics = _cache.Statistics;
        var alerts = _health.GetAlerts();
        var summary = new AlertSummary(
            alerts.Count(a => a.Level == AlertLevel.Info),
            alerts.Count(a => a.Level == AlertLevel.Warning),
            alerts.Count(a => a.Level == AlertLevel.Critical),
            alerts.Count(a => a.Level == AlertLevel.Emergency),
            [.. alerts.TakeLast(RecentAlerts)]);

        return new DashboardSnapshot(
            _timeProvider.GetUtcNow(),
            system,
            _loops.GetStatistics(),
            new CacheOverview(CacheMetricSource.HitRatio(cacheStatistics), cacheStatistics),
            spend,
            [.. _components.Pools.Select(p => p.Statistics)],
            _health.Latest,
            summary);
    }
}
