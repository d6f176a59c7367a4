namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>A backplane hub for tests: each instance delivers its publications to every other instance on the same hub.</summary>
internal sealed class InProcessBackplane(List<InProcessBackplane> hub) : ICacheBackplane
{
    private readonly List<Action<string?>> _handlers = [];

    public int Published { get; private set; }

    /// <summary>Gets or sets a value indicating whether publishing throws, like a backplane whose server is down.</summary>
    public bool Failing { get; set; }

    public static List<InProcessBackplane> CreateHub() => [];

    public static InProcessBackplane Join(List<InProcessBackplane> hub)
    {
        var backplane = new InProcessBackplane(hub);
        hub.Add(backplane);
        return backplane;
    }

    public ValueTask PublishInvalidationAsync(string key, CancellationToken cancellationToken = default)
    {
        if (Failing)
        {
            throw new IOException("The test backplane is unreachable.");
        }

        Published++;
        foreach (var other in hub.Where(b => !ReferenceEquals(b, this)))
        {
            other.Deliver(key);
        }

        return ValueTask.CompletedTask;
    }

    public IDisposable Subscribe(Action<string?> onInvalidation)
    {
        _handlers.Add(onInvalidation);
        return new Unsubscriber(() => _handlers.Remove(onInvalidation));
    }

    public void Deliver(string? key)
    {
        foreach (var handler in _handlers.ToArray())
        {
            handler(key);
        }
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
