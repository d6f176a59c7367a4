using StackExchange.Redis;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>A Redis connection the container created (and so disposes) when none was registered.</summary>
internal sealed class OwnedRedisConnection(string configuration) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection = new(() => ConnectionMultiplexer.Connect(configuration));

    public IConnectionMultiplexer Connection => _connection.Value;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}
