using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace ResourceKit.Caching;

/// <summary>
/// Runs distributed-tier and backplane operations behind a Polly circuit breaker and turns every failure into
/// "skipped": the caller continues on L1/L2 and never sees the exception. The breaker's clock is the cache's
/// <see cref="TimeProvider"/>, so tests drive the break with a fake clock; it half-opens by itself after the break
/// and closes on the first success, which is how L3 resumes once Redis is back.
/// </summary>
internal sealed partial class DistributedTierGuard
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TieredCacheMetrics _metrics;
    private readonly ILogger _logger;

    public DistributedTierGuard(TieredCacheOptions options, TimeProvider timeProvider, TieredCacheMetrics metrics, ILogger logger, Action? onClosed = null)
    {
        _metrics = metrics;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitFailureRatio,
                MinimumThroughput = options.CircuitMinimumThroughput,
                SamplingDuration = options.CircuitSamplingDuration,
                BreakDuration = options.CircuitBreakDuration,
                StateProvider = _state,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                OnOpened = args =>
                {
                    LogCircuitOpened(_logger, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(_logger);
                    onClosed?.Invoke();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public CacheCircuitState State => _state.CircuitState switch
    {
        CircuitState.Closed => CacheCircuitState.Closed,
        CircuitState.HalfOpen => CacheCircuitState.HalfOpen,
        _ => CacheCircuitState.Open,
    };

    /// <summary>Runs <paramref name="operation"/>; returns <see langword="false"/> (and the default) when it failed or was skipped.</summary>
    public async ValueTask<(bool Succeeded, TResult? Result)> TryExecuteAsync<TState, TResult>(
        string operationName,
        TState state,
        Func<TState, CancellationToken, ValueTask<TResult>> operation,
        CancellationToken cancellationToken)
    {
        try
        {
            var result = await _pipeline.ExecuteAsync(operation, state, cancellationToken).ConfigureAwait(false);
            return (true, result);
        }
        catch (BrokenCircuitException)
        {
            _metrics.DistributedSkipped();
            return (false, default);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.DistributedError(operationName);
            LogOperationFailed(_logger, operationName, ex);
            return (false, default);
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Distributed cache operation {Operation} failed; continuing without L3.")]
    private static partial void LogOperationFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Distributed cache circuit opened for {BreakDuration}; L3 is skipped until then.")]
    private static partial void LogCircuitOpened(ILogger logger, TimeSpan breakDuration);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Distributed cache circuit closed; L3 is back.")]
    private static partial void LogCircuitClosed(ILogger logger);
}
