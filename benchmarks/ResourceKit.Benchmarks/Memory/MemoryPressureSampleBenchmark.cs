using BenchmarkDotNet.Attributes;
using ResourceKit.Memory.Pressure;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// The cost of one monitor tick (read, classify, no level change) beside the bare <see cref="GC.GetGCMemoryInfo()"/>
/// call it is built on (the baseline), for the GC-based and the working-set-based source.
/// </summary>
[MemoryDiagnoser]
public class MemoryPressureSampleBenchmark
{
    private MemoryPressureMonitor _gcMonitor = null!;
    private MemoryPressureMonitor _workingSetMonitor = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Thresholds at 100 % so the tick never changes level or reclaims: this measures the sampling itself.
        var options = new MemoryPressureOptions { WarningRatio = 0.98, CriticalRatio = 0.99, EmergencyRatio = 1.0, ReclaimOnPressure = false };
        _gcMonitor = new MemoryPressureMonitor(options, source: new GcMemorySource(MemoryMeasure.MemoryLoad));
        _workingSetMonitor = new MemoryPressureMonitor(options, source: new GcMemorySource(MemoryMeasure.ProcessWorkingSet, 64L * 1024 * 1024 * 1024));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gcMonitor.Dispose();
        _workingSetMonitor.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long GetGCMemoryInfo() => GC.GetGCMemoryInfo().MemoryLoadBytes;

    [Benchmark]
    public MemoryPressureLevel MonitorTickGcSource() => _gcMonitor.Sample();

    [Benchmark]
    public MemoryPressureLevel MonitorTickWorkingSetSource() => _workingSetMonitor.Sample();
}
