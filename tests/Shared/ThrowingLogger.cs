using Microsoft.Extensions.Logging;

namespace ResourceKit.Testing;

/// <summary>
/// A logger that throws on the events given, once <see cref="Armed"/> is set: a log provider failing under a
/// background path. One file linked into the Memory and Scheduling test projects.
/// </summary>
internal sealed class ThrowingLogger<T>(params int[] eventIds) : ILogger<T>
{
    public bool Armed { get; set; } = true;

    public int Thrown { get; private set; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (Armed && (eventIds.Length == 0 || eventIds.Contains(eventId.Id)))
        {
            Thrown++;
            throw new InvalidOperationException($"log provider failed on event {eventId.Id}");
        }
    }
}
