using StackExchange.Redis;

namespace ResourceKit.Caching.Redis;

/// <summary>Opens Redis connections configured for a cache tier that must never stall its callers.</summary>
public static class RedisConnectionFactory
{
    /// <summary>
    /// Connects to Redis without failing when it is down: the connection keeps retrying in the background,
    /// and commands issued while it is down fail at once instead of queueing.
    /// </summary>
    /// <param name="options">The Redis options; <see cref="RedisTierOptions.Configuration"/> must be set.</param>
    /// <returns>The connection, possibly not yet connected.</returns>
    /// <exception cref="ArgumentException">No configuration string is set.</exception>
    public static ConnectionMultiplexer Connect(RedisTierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("RedisTierOptions.Configuration must name a Redis server.", nameof(options));
        }

        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;
        return ConnectionMultiplexer.Connect(configuration);
    }
}
