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
    /// <exception cref="ArgumentException">No configuration string is set, or it does not parse or names no server (the message never includes the password).</exception>
    public static ConnectionMultiplexer Connect(RedisTierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            throw new ArgumentException("RedisTierOptions.Configuration must name a Redis server.", nameof(options));
        }

        if (FindConfigurationError(options.Configuration) is { } error)
        {
            throw new ArgumentException($"RedisTierOptions.Configuration {error}", nameof(options));
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

    /// <summary>
    /// Why a configuration string cannot be used (it does not parse, or names no server), or <see langword="null"/>.
    /// The string is never quoted, and the parser's message only when the string holds no password: a password with a
    /// comma in it is split by the parser, and its message could quote a piece of it as an unknown option.
    /// </summary>
    internal static string? FindConfigurationError(string configuration)
    {
        try
        {
            return ConfigurationOptions.Parse(configuration).EndPoints.Count == 0 ? "names no server (host:port)." : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            var detail = configuration.Contains("password", StringComparison.OrdinalIgnoreCase) ? "it could not be parsed." : ex.Message;
            return $"is not a valid StackExchange.Redis configuration string: {detail}";
        }
    }
}
