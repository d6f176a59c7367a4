using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>
/// A fake clock that reports the timers created on it, so a test can advance time only once the timer it means to fire
/// exists (a BackgroundService creates its timer on a pool thread after StartAsync has returned).
/// </summary>
internal sealed class TimerObservingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan Period, TaskCompletionSource Created)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Period == period).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Created.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>Returns a task that completes when the next timer with this period is created.</summary>
    public Task NextTimerWithPeriod(TimeSpan period)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((period, created));
        }

        return created.Task;
    }
}
