using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Resilience;

/// <summary>
/// Builds the Polly retry pipeline used for provider calls: exponential backoff with jitter for transient
/// errors, and the provider's <c>Retry-After</c> (capped) when it gave one. Every <c>Retry-After</c> is passed to the
/// callback, the one of the failure the retries gave up on included, so a rate limiter can pause the model even when
/// the call is not retried again.
/// </summary>
public static class ProviderRetryPipeline
{
    /// <summary>Creates the pipeline.</summary>
    /// <param name="options">The cost options (attempts, base delay, Retry-After cap).</param>
    /// <param name="timeProvider">The clock Polly waits on.</param>
    /// <param name="onRetryAfter">
    /// Called with the call's context and each provider-requested delay (already capped), for example to pause a rate
    /// limiter: before each retry, and once more for the transient failure the pipeline gives up on (the last attempt,
    /// or the only one when retries are disabled), which is not waited for.
    /// </param>
    /// <param name="logger">The logger.</param>
    /// <returns>The pipeline; empty when retries are disabled and there is no callback.</returns>
    public static ResiliencePipeline Create(
        CostOptions options, TimeProvider? timeProvider = null, Action<ResilienceContext, TimeSpan>? onRetryAfter = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRetryAttempts == 0 && onRetryAfter is null)
        {
            return ResiliencePipeline.Empty;
        }

        var log = logger ?? NullLogger.Instance;
        var cap = options.MaxRetryAfter;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (onRetryAfter is not null)
        {
            // Outermost, so it sees only the outcome the retries gave up on; the retried ones reach it below.
            builder.AddStrategy(_ => new FinalRetryAfterStrategy(onRetryAfter, cap));
        }

        if (options.MaxRetryAttempts == 0)
        {
            return builder.Build();
        }

        return builder
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
                        var delay = FinalRetryAfterStrategy.Cap(requested, cap);
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
