namespace ResourceKit.Scheduling.Tests.TestSupport;

/// <summary>Work that occupies a worker until the test opens the gate; <see cref="Started"/> says it is running.</summary>
internal sealed class Gate
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Started => _started.Task;

    public CancellationToken ObservedToken { get; private set; }

    public async ValueTask HoldAsync(CancellationToken cancellationToken)
    {
        ObservedToken = cancellationToken;
        _started.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
    }

    public void Open() => _open.TrySetResult();

    /// <summary>Submits the gate at <paramref name="priority"/> and waits until a worker runs it.</summary>
    public async Task<Task> OccupyAsync(PriorityScheduler scheduler, WorkPriority priority = WorkPriority.Normal)
    {
        var result = scheduler.TrySchedule(HoldAsync, priority);
        Assert.That(result.IsQueued, Is.True);
        await Started.Guarded();
        return result.Completion!;
    }
}
