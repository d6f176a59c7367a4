using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>Keeps every log entry so tests can assert on warnings.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(int EventId, int Count, TaskCompletionSource Done)> _waiters = [];

    public ConcurrentQueue<(LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
        lock (_waiters)
        {
            foreach (var (id, count, done) in _waiters)
            {
                if (Count(id) >= count)
                {
                    done.TrySetResult();
                }
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> entries with <paramref name="eventId"/> were logged (work logged from another thread).</summary>
    public Task WaitForAsync(int eventId, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((eventId, count, done));
            if (Count(eventId) >= count)
            {
                done.TrySetResult();
            }
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private int Count(int eventId) => Entries.Count(e => e.EventId.Id == eventId);
}
