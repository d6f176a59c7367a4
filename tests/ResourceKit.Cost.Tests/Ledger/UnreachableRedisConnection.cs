using System.Reflection;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <summary>
/// An <see cref="IConnectionMultiplexer"/> that never connects: <see cref="IConnectionMultiplexer.IsConnected"/> is
/// false and every database call fails at once with a connection error, as while Redis is down, without a socket or a
/// timeout. A proxy, so it need not implement the interface's many members; any other member throws.
/// </summary>
public class UnreachableRedisConnection : DispatchProxy
{
    /// <summary>Creates a connection.</summary>
    /// <returns>The connection.</returns>
    public static IConnectionMultiplexer Create() => Create<IConnectionMultiplexer, UnreachableRedisConnection>();

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name switch
        {
            "get_IsConnected" or "get_IsConnecting" => false,
            "GetDatabase" => FailingRedisDatabase.Unreachable(),
            "Dispose" => null,
            "DisposeAsync" => ValueTask.CompletedTask,
            _ => throw new NotSupportedException($"The unreachable test connection does not support {targetMethod.Name}."),
        };
    }
}
