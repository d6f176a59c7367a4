namespace ResourceKit.Memory.Pressure;

/// <summary>
/// The default <see cref="IMemorySource"/>: reads <see cref="GC.GetGCMemoryInfo()"/> and the process working set.
/// </summary>
/// <remarks>
/// The limit is the constructor's <c>limitBytes</c> when it is positive, otherwise
/// <c>GCMemoryInfo.TotalAvailableMemoryBytes</c>, which is cgroup-aware: inside a container it is the container's
/// memory limit (or <c>GCHeapHardLimit</c> when one is set), outside it is the machine's physical memory.
/// GC figures are as of the last collection; <see cref="MemoryMeasure.ProcessWorkingSet"/> is read live.
/// While a <see cref="GarbageCollection.GcTuner"/> holds a lower heap hard limit of its own (the LowMemory profile's
/// <c>LowMemoryHeapHardLimitBytes</c>), the runtime reports memory against that limit; readings then keep using the
/// limit in force before it, and <see cref="MemoryMeasure.MemoryLoad"/> is approximated by the process working set
/// (the runtime's load figure is then just the managed heap), so the tuner's own limit does not read as pressure.
/// </remarks>
public sealed class GcMemorySource : IMemorySource, IHeapLimitListener
{
    private readonly MemoryMeasure _measure;
    private readonly long _limitBytes;
    private readonly Func<GcMemoryFigures> _readGc;
    private readonly Func<long> _readWorkingSet;
    private long _limitBeforeImposed; // > 0 while a heap limit this process imposed is in force

    /// <summary>Initializes a new instance of the <see cref="GcMemorySource"/> class.</summary>
    /// <param name="measure">Which figure counts as used memory.</param>
    /// <param name="limitBytes">A fixed limit in bytes, or 0 to use <c>TotalAvailableMemoryBytes</c>.</param>
    public GcMemorySource(MemoryMeasure measure = MemoryMeasure.MemoryLoad, long limitBytes = 0)
        : this(measure, limitBytes, GcMemoryFigures.Read, static () => Environment.WorkingSet)
    {
    }

    internal GcMemorySource(MemoryMeasure measure, long limitBytes, Func<GcMemoryFigures> readGc, Func<long> readWorkingSet)
    {
        _measure = measure;
        _limitBytes = limitBytes;
        _readGc = readGc;
        _readWorkingSet = readWorkingSet;
    }

    /// <inheritdoc />
    public MemoryReading Read()
    {
        var gc = _readGc();
        var limitBeforeImposed = Interlocked.Read(ref _limitBeforeImposed);
        var imposed = limitBeforeImposed > 0;
        long used = _measure switch
        {
            MemoryMeasure.ProcessWorkingSet => _readWorkingSet(),
            MemoryMeasure.ManagedHeapCommitted => gc.TotalCommittedBytes,
            _ when imposed => _readWorkingSet(),
            _ => gc.MemoryLoadBytes,
        };
        long limit = _limitBytes > 0 ? _limitBytes : imposed ? limitBeforeImposed : gc.TotalAvailableMemoryBytes;
        return new MemoryReading(used, limit);
    }

    /// <inheritdoc />
    void IHeapLimitListener.HeapLimitImposing()
    {
        if (Interlocked.Read(ref _limitBeforeImposed) == 0)
        {
            // Still the limit in force before: a second call (a retried request) must not record the imposed one.
            Interlocked.Exchange(ref _limitBeforeImposed, _readGc().TotalAvailableMemoryBytes);
        }
    }

    /// <inheritdoc />
    void IHeapLimitListener.HeapLimitLifted() => Interlocked.Exchange(ref _limitBeforeImposed, 0);
}
