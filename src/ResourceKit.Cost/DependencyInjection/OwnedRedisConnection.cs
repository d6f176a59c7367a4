using StackExchange.Redis;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>A Redis connection the container created (and so disposes) when none was registered.</summary>
internal sealed class OwnedRedisConnection(string configuration) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection = new(() => Connect(configuration));

    public IConnectionMultiplexer Connection => _connection.Value;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }

    private static ConnectionMultiplexer Connect(string configuration)
    {
        // A Redis that is down when the host starts must not keep the host from starting: the multiplexer keeps
        // reconnecting in the background, and until it is back store calls fail (reservations are refused with an
        // exception, so nothing is spent unaccounted).
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(options);
    }
}
