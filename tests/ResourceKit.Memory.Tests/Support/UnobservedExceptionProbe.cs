namespace ResourceKit.Memory.Tests.Support;

/// <summary>
/// Counts, while it lives, the unobserved task exceptions whose message is <c>marker</c>; the event is process-wide,
/// so tests using it are <see cref="NonParallelizableAttribute"/> and pick a unique marker.
/// </summary>
internal sealed class UnobservedExceptionProbe : IDisposable
{
    private readonly string _marker;
    private int _count;

    public UnobservedExceptionProbe(string marker)
    {
        _marker = marker;
        TaskScheduler.UnobservedTaskException += OnUnobserved;
    }

    /// <summary>Finalizes unreachable tasks (which raises the event for any unobserved fault) and returns the count.</summary>
    public int CountAfterCollecting()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Volatile.Read(ref _count);
    }

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        if (e.Exception.Flatten().InnerExceptions.Any(x => x.Message == _marker))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
