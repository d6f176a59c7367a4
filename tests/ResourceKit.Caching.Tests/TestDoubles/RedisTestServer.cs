using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ResourceKit.Caching.Redis;
using StackExchange.Redis;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>Finds the Redis server named by <c>RESOURCEKIT_REDIS</c>, or starts a private one from <c>RESOURCEKIT_REDIS_SERVER</c>.</summary>
internal static class RedisTestServer
{
    public const string AddressVariable = "RESOURCEKIT_REDIS";
    public const string BinaryVariable = "RESOURCEKIT_REDIS_SERVER";

    /// <summary>Connects to the shared server; marks the test ignored when none is named, and fails when the named one does not answer.</summary>
    public static ConnectionMultiplexer ConnectOrIgnore()
    {
        var address = Environment.GetEnvironmentVariable(AddressVariable);
        if (string.IsNullOrWhiteSpace(address))
        {
            Assert.Ignore($"{AddressVariable} is not set; start redis-server and set it to host:port to run the Redis tests.");
        }

        // A server was named, so not reaching it is a failure, not a skip: .ci/run starts one and sets the variable, and a
        // loaded machine's slow connect must not quietly turn the Redis tests off.
        var connection = RedisConnectionFactory.Connect(new RedisTierOptions { Configuration = address, ConnectTimeout = TimeSpan.FromSeconds(10) });
        if (!connection.IsConnected)
        {
            connection.Dispose();
            Assert.Fail($"No Redis server answered at {AddressVariable}={address} within 10 s; start it or unset the variable to skip the Redis tests.");
        }

        return connection;
    }

    /// <summary>Starts a private server on a free port, or marks the test ignored when no binary is given.</summary>
    public static RedisProcess StartOwnOrIgnore()
    {
        var binary = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrWhiteSpace(binary) || !File.Exists(binary))
        {
            Assert.Ignore($"{BinaryVariable} does not name a redis-server binary; the stop/restart tests need one.");
        }

        return new RedisProcess(binary, FreePort());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A redis-server process owned by one test, stoppable and restartable on the same port.</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly string _binary;
    private Process? _process;

    public RedisProcess(string binary, int port)
    {
        _binary = binary;
        Port = port;
        Start();
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public void Start()
    {
        _process = Process.Start(new ProcessStartInfo(_binary, $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;

        // The server logs "Ready to accept connections" once it listens; read until then (bounded by the server's own start-up).
        string? line;
        while ((line = _process.StandardOutput.ReadLine()) is not null && !line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
        }

        _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();
}
