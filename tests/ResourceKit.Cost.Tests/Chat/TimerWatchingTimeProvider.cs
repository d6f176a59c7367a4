using Microsoft.Extensions.Time.Testing;

namespace ResourceKit.Cost.Tests.Chat;

/// <summary>
/// A fake clock that also tells a test when code under test has started waiting on it: the test then moves the clock
/// knowing the wait is in place, instead of sleeping and hoping the other thread got there.
/// </summary>
internal sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<TimeSpan> _created = [];
    private readonly List<(Func<TimeSpan, bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_waiters)
        {
            _created.Add(dueTime);
            foreach (var (match, count, done) in _waiters)
            {
                if (_created.Count(match) >= count)
                {
                    done.TrySetResult();
                }
            }
        }

        return timer;
    }

    /// <summary>Completes once <paramref name="count"/> timers whose due time matches have been created.</summary>
    public Task WaitForTimerAsync(Func<TimeSpan, bool> match, int count = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((match, count, done));
            if (_created.Count(match) >= count)
            {
                done.TrySetResult();
            }
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
