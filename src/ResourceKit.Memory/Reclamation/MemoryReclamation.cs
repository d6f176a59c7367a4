using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Memory.Diagnostics;
using ResourceKit.Memory.Internal;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Memory.Reclamation;

/// <summary>
/// Holds the registered <see cref="IMemoryReclaimer"/>s and runs a reclamation pass: every reclaimer is asked, in
/// ascending <see cref="IMemoryReclaimer.Priority"/>, to trim the same share, then a collection runs for the level
/// (gen 1 at Critical, a full blocking compacting collection with large-object-heap compaction at Emergency).
/// A reclaimer that throws is logged, counted and skipped; the others still run.
/// </summary>
public sealed partial class MemoryReclamation : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IGarbageCollector _collector;
    private readonly ILogger _logger;
    private readonly IMeterFactory? _meterFactory;
    private readonly Meter _meter;
    private readonly Counter<long> _passesCounter;
    private readonly Counter<long> _freedCounter;
    private readonly Counter<long> _failuresCounter;
    private IMemoryReclaimer[] _reclaimers;
    private long _passes;
    private long _bytesFreed;
    private long _failures;
    private long _collections;

    /// <summary>Initializes a new instance of the <see cref="MemoryReclamation"/> class.</summary>
    /// <param name="reclaimers">Reclaimers known up front (for example from DI); more can be added with <see cref="Register"/>.</param>
    /// <param name="collector">The collector to induce collections on; defaults to <see cref="RuntimeGarbageCollector"/>.</param>
    /// <param name="logger">The logger for each step and each failure.</param>
    /// <param name="meterFactory">The factory for the <c>ResourceKit.Memory</c> meter.</param>
    public MemoryReclamation(
        IEnumerable<IMemoryReclaimer>? reclaimers = null,
        IGarbageCollector? collector = null,
        ILogger<MemoryReclamation>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        _reclaimers = Sort(reclaimers ?? []);
        _collector = collector ?? new RuntimeGarbageCollector();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _meterFactory = meterFactory;
        _meter = MemoryTelemetry.CreateMeter(meterFactory);
        _passesCounter = _meter.CreateCounter<long>("resourcekit.memory.reclamation.passes", "{pass}", "Reclamation passes run.");
        _freedCounter = _meter.CreateCounter<long>("resourcekit.memory.reclamation.freed", "By", "Bytes reclaimers reported freeing.");
        _failuresCounter = _meter.CreateCounter<long>("resourcekit.memory.reclamation.failures", "{failure}", "Reclaimer calls that threw.");
    }

    /// <summary>Gets the registered reclaimers in the order they are asked.</summary>
    public IReadOnlyList<IMemoryReclaimer> Reclaimers => Volatile.Read(ref _reclaimers);

    /// <summary>Gets the totals since creation.</summary>
    public ReclamationStatistics Statistics => new(
        Interlocked.Read(ref _passes),
        Interlocked.Read(ref _bytesFreed),
        Interlocked.Read(ref _failures),
        Interlocked.Read(ref _collections),
        Volatile.Read(ref _reclaimers).Length);

    /// <summary>Adds a reclaimer; dispose the returned handle to remove it again.</summary>
    /// <param name="reclaimer">The reclaimer.</param>
    /// <returns>A handle that unregisters the reclaimer when disposed.</returns>
    public IDisposable Register(IMemoryReclaimer reclaimer)
    {
        ArgumentNullException.ThrowIfNull(reclaimer);
        lock (_gate)
        {
            _reclaimers = Sort([.. _reclaimers, reclaimer]);
        }

        return new Registration(this, reclaimer);
    }

    /// <summary>Runs one reclamation pass for <paramref name="level"/>.</summary>
    /// <param name="level">The pressure level; below Critical no collection is induced.</param>
    /// <param name="fraction">The share every reclaimer is asked to trim, 0–1.</param>
    /// <returns>What the pass did.</returns>
    public ReclamationReport Reclaim(MemoryPressureLevel level, double fraction)
    {
        FractionGuard.ThrowIfNotFraction(fraction, nameof(fraction));

        var reclaimers = Volatile.Read(ref _reclaimers);
        long freed = 0;
        var failed = 0;
        foreach (var reclaimer in reclaimers)
        {
            try
            {
                var bytes = Math.Max(0, reclaimer.Trim(fraction));
                freed += bytes;
                LogReclaimerTrimmed(_logger, reclaimer.Name, fraction, bytes);
            }
#pragma warning disable CA1031 // A failing reclaimer must not stop the others: isolate, log and count it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed++;
                _failuresCounter.Add(1, new KeyValuePair<string, object?>("reclaimer", reclaimer.Name));
                LogReclaimerFailed(_logger, ex, reclaimer.Name);
            }
        }

        var generation = level switch
        {
            MemoryPressureLevel.Emergency => GC.MaxGeneration,
            MemoryPressureLevel.Critical => 1,
            _ => -1,
        };
        if (generation >= 0)
        {
            _collector.Collect(generation, compacting: level == MemoryPressureLevel.Emergency);
            Interlocked.Increment(ref _collections);
        }

        Interlocked.Increment(ref _passes);
        Interlocked.Add(ref _bytesFreed, freed);
        Interlocked.Add(ref _failures, failed);
        var levelTag = new KeyValuePair<string, object?>("level", level.ToString());
        _passesCounter.Add(1, levelTag);
        _freedCounter.Add(freed, levelTag);
        LogPassCompleted(_logger, level, fraction, reclaimers.Length, failed, freed, generation);
        return new ReclamationReport(level, fraction, freed, reclaimers.Length, failed, generation);
    }

    /// <inheritdoc />
    public void Dispose() => MemoryTelemetry.ReleaseMeter(_meter, _meterFactory);

    private static IMemoryReclaimer[] Sort(IEnumerable<IMemoryReclaimer> reclaimers) =>
        [.. reclaimers.OrderBy(r => r.Priority)]; // OrderBy is stable: equal priorities keep registration order.

    private void Unregister(IMemoryReclaimer reclaimer)
    {
        lock (_gate)
        {
            _reclaimers = [.. _reclaimers.Where(r => !ReferenceEquals(r, reclaimer))];
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Reclaimer {Reclaimer} trimmed {Fraction:P0} and freed {Bytes} bytes.")]
    private static partial void LogReclaimerTrimmed(ILogger logger, string reclaimer, double fraction, long bytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Reclaimer {Reclaimer} threw while trimming; the others still run.")]
    private static partial void LogReclaimerFailed(ILogger logger, Exception exception, string reclaimer);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Reclamation at {Level}: asked {Count} reclaimers to trim {Fraction:P0}, {Failed} failed, {Bytes} bytes freed, collected generation {Generation}.")]
    private static partial void LogPassCompleted(ILogger logger, MemoryPressureLevel level, double fraction, int count, int failed, long bytes, int generation);

    private sealed class Registration(MemoryReclamation owner, IMemoryReclaimer reclaimer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unregister(reclaimer);
            }
        }
    }
}
