using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

/// <summary>How a <see cref="FailingRedisDatabase"/> fails.</summary>
public enum RedisFailure
{
    /// <summary>Every call goes through.</summary>
    None,

    /// <summary>Every call fails at once with a connection error; nothing reaches Redis.</summary>
    Down,

    /// <summary>A script runs on Redis, then its reply is lost: the caller sees a timeout.</summary>
    LoseReply,

    /// <summary>Every call is refused by a server out of memory (<c>OOM</c>), which passes once memory is freed.</summary>
    OutOfMemory,

    /// <summary>Every call fails with a plain <c>ERR</c>, as a script bug would, again on every attempt.</summary>
    ScriptError,
}

/// <summary>
/// An <see cref="IDatabase"/> over a real one that fails on demand, so the store's handling of an unreachable Redis
/// is tested without stopping the shared server. A proxy, so it need not implement the interface's hundreds of members.
/// </summary>
public class FailingRedisDatabase : DispatchProxy
{
    private IDatabase _inner = null!;
    private int _scriptCalls;

    /// <summary>Gets or sets how calls fail.</summary>
    public RedisFailure Failure { get; set; }

    /// <summary>Gets how many scripts the store sent, whether they then reached Redis or failed.</summary>
    public int ScriptCalls => Volatile.Read(ref _scriptCalls);

    /// <summary>
    /// Gets or sets a task scripts wait for before they are sent on, to hold their replies back; a held script then
    /// fails as <see cref="Failure"/> says at that moment (with <see cref="RedisFailure.Down"/>, as a connection that
    /// waits out its timeout in an outage).
    /// </summary>
    public Task? ScriptGate { get; set; }

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The real database.</param>
    /// <returns>The database to hand to the store, and the proxy that controls it.</returns>
    public static (IDatabase Database, FailingRedisDatabase Control) Wrap(IDatabase inner)
    {
        var database = Create<IDatabase, FailingRedisDatabase>();
        var control = (FailingRedisDatabase)(object)database;
        control._inner = inner;
        return (database, control);
    }

    /// <summary>A database whose every call fails with a connection error, over no server at all.</summary>
    /// <returns>The database.</returns>
    public static IDatabase Unreachable()
    {
        var database = Create<IDatabase, FailingRedisDatabase>();
        ((FailingRedisDatabase)(object)database).Failure = RedisFailure.Down;
        return database;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IDatabase.ScriptEvaluateAsync))
        {
            Interlocked.Increment(ref _scriptCalls);
            if (ScriptGate is { } gate)
            {
                return SendAfterAsync(gate, targetMethod, args);
            }
        }

        return Send(targetMethod, args);
    }

    private object? Send(MethodInfo targetMethod, object?[]? args)
    {
        if (Failure == RedisFailure.Down)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "test: Redis is down", null, CommandStatus.WaitingToBeSent);
        }

        if (Failure == RedisFailure.OutOfMemory)
        {
            throw new RedisServerException(RedisErrorKind.OutOfMemory, CommandFlags.None, "OOM command not allowed when used memory > 'maxmemory'.");
        }

        if (Failure == RedisFailure.ScriptError)
        {
            throw new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR user_script:1: test bug");
        }

        var result = Forward(targetMethod, args);
        return Failure == RedisFailure.LoseReply && result is Task<RedisResult> sent ? LoseReplyAsync(sent) : result;
    }

    private async Task<RedisResult> SendAfterAsync(Task gate, MethodInfo method, object?[]? args)
    {
        await gate;
        return await (Task<RedisResult>)Send(method, args)!;
    }

    private static async Task<RedisResult> LoseReplyAsync(Task<RedisResult> sent)
    {
        await sent;
        throw new RedisTimeoutException(CommandFlags.None, "test: the reply was lost", CommandStatus.Sent);
    }

    private object? Forward(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }
}
