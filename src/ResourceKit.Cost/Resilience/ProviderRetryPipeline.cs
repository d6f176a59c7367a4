using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Resilience;

/// <summary>
/// Builds the Polly retry pipeline used for provider calls: exponential backoff with jitter for transient
/// errors, and the provider's <c>Retry-After</c> (capped) when it gave one.
/// </summary>
public static class ProviderRetryPipeline
{
    /// <summary>Creates the pipeline.</summary>
    /// <param name="options">The cost options (attempts, base delay, Retry-After cap).</param>
    /// <param name="timeProvider">The clock Polly waits on.</param>
    /// <param name="onRetryAfter">Called with the call's context and each provider-requested delay (already capped), for example to pause a rate limiter.</param>
    /// <param name="logger">The logger.</param>
    /// <returns>The pipeline; empty when retries are disabled.</returns>
    public static ResiliencePipeline Create(
        CostOptions options, TimeProvider? timeProvider = null, Action<ResilienceContext, TimeSpan>? onRetryAfter = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        var log = logger ?? NullLogger.Instance;
        var cap = options.MaxRetryAfter;
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientErrors.IsTransient),
                DelayGenerator = args =>
                {
                    if (args.Outcome.Exception is { } error && TransientErrors.GetRetryAfter(error) is { } requested)
                    {
                        var delay = requested > cap ? cap : requested < TimeSpan.Zero ? TimeSpan.Zero : requested;
                        onRetryAfter?.Invoke(args.Context, delay);
                        return ValueTask.FromResult<TimeSpan?>(delay);
                    }

                    return ValueTask.FromResult<TimeSpan?>(null);
                },
                OnRetry = args =>
                {
                    CostLog.Retrying(log, args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
