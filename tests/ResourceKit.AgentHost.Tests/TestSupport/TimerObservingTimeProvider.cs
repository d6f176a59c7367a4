using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>
/// A fake clock that reports the timers created on it, so a test can advance time only once the timer it means to fire
/// exists (a BackgroundService creates its timer on a pool thread after StartAsync has returned).
/// </summary>
internal sealed class TimerObservingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<(Func<TimeSpan, TimeSpan, bool> Match, TaskCompletionSource Created)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Match(dueTime, period)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Created.TrySetResult();
            }
        }

        return timer;
    }

    /// <summary>Returns a task that completes when the next timer with this period is created.</summary>
    public Task NextTimerWithPeriod(TimeSpan period) => NextTimer((_, p) => p == period);

    /// <summary>Returns a task that completes when the next one-shot timer (a <c>Task.Delay</c>) of this length is created.</summary>
    public Task NextDelayOf(TimeSpan dueTime) => NextTimer((d, p) => d == dueTime && p == Timeout.InfiniteTimeSpan);

    private Task NextTimer(Func<TimeSpan, TimeSpan, bool> match)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((match, created));
        }

        return created.Task;
    }
}
