using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;
using ResourceKit.Cost.Resilience;

namespace ResourceKit.Cost.Chat;

/// <summary>
/// An <see cref="IChatClient"/> middleware that keeps calls inside the budget: it waits for the model's rate
/// limit, reserves the estimated cost, calls the inner client (retrying transient errors), reads
/// <see cref="UsageDetails"/>, settles the reservation at the actual cost, and corrects the token charge. When a
/// rule refuses it throws <see cref="BudgetExceededException"/>; when the call fails the reservation is released.
/// </summary>
public sealed class BudgetChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key naming the category to charge.</summary>
    public const string CategoryPropertyName = "resourcekit.category";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key naming the agent to charge.</summary>
    public const string AgentPropertyName = "resourcekit.agent";

    private const int TokensPerMessage = 4;
    private const int MaximumSettleAttempts = 2;
    private static readonly ResiliencePropertyKey<ChatCall> CallKey = new("resourcekit.cost.call");

    private readonly SpendLedger _ledger;
    private readonly PriceCatalog _catalog;
    private readonly CostOptions _options;
    private readonly ModelRateLimiter? _rateLimiter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChatClientMetadata? _metadata;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Initializes a new instance of the <see cref="BudgetChatClient"/> class.</summary>
    /// <param name="innerClient">The provider client.</param>
    /// <param name="ledger">The spend ledger.</param>
    /// <param name="catalog">The prices.</param>
    /// <param name="options">The cost options.</param>
    /// <param name="rateLimiter">The per-model rate limits, or <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock for throttle waits and retries.</param>
    /// <param name="logger">The logger.</param>
    public BudgetChatClient(
        IChatClient innerClient,
        SpendLedger ledger,
        PriceCatalog catalog,
        CostOptions options,
        ModelRateLimiter? rateLimiter = null,
        TimeProvider? timeProvider = null,
        ILogger<BudgetChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        _ledger = ledger;
        _catalog = catalog;
        _options = options;
        _rateLimiter = rateLimiter;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metadata = innerClient.GetService<ChatClientMetadata>();
        _pipeline = ProviderRetryPipeline.Create(options, _time, OnRetryAfter, _logger);
    }

    /// <inheritdoc/>
    /// <exception cref="BudgetExceededException">A budget rule refuses the call.</exception>
    /// <exception cref="UnknownModelPriceException">The model has no price and no fallback is configured.</exception>
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var call = await BeginAsync(list, options, cancellationToken).ConfigureAwait(false);
        ChatResponse response;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            // Inside the try: a renewal timer that cannot be created must still release the hold and return the context.
            _ledger.KeepAlive(call.Reservation);
            if (_rateLimiter is not null)
            {
                // Only the rate limiter reads it (OnRetryAfter); without one the call is not boxed into the context.
                context.Properties.Set(CallKey, call);
            }

            response = await _pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<ChatResponse>(state.Self.InnerClient.GetResponseAsync(state.List, state.Options, ctx.CancellationToken)),
                context,
                (Self: this, List: list, Options: options)).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAfterFailureAsync(call).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _ledger.StopKeepAlive(call.Reservation);
            ResilienceContextPool.Shared.Return(context);
        }

        await CompleteAsync(call, response.Usage).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Opening the stream and waiting for its first update go through the same retry pipeline as
    /// <see cref="GetResponseAsync"/>: a transient failure before the first update (a 429 or 503, a timeout) is retried
    /// under the same reservation, waiting the provider's <c>Retry-After</c> (capped), which also pauses the model in the
    /// rate limiter. A failure after the first update is not retried: the caller has already seen part of the answer.
    /// The reservation is settled when the stream completes (at the reported usage, or the estimate when none
    /// was reported) and released when the stream fails or is cancelled before its first update. Once an update
    /// has arrived the provider has produced (and bills) tokens, so a caller that stops reading early, a
    /// cancellation and a fault mid-stream all settle at the usage seen so far, or the estimate when none was reported.
    /// </remarks>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var call = await BeginAsync(list, options, cancellationToken).ConfigureAwait(false);
        UsageDetails? usage = null;
        IAsyncEnumerator<ChatResponseUpdate> updates;
        bool more;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            _ledger.KeepAlive(call.Reservation);
            if (_rateLimiter is not null)
            {
                context.Properties.Set(CallKey, call);
            }

            // Nothing produced yet: a failure here costs nothing, so it may be retried, and if it is final the hold is released.
            (updates, more) = await _pipeline.ExecuteAsync(
                static async (ctx, state) =>
                {
                    var attempt = state.Self.InnerClient.GetStreamingResponseAsync(state.List, state.Options, ctx.CancellationToken)
                        .GetAsyncEnumerator(ctx.CancellationToken);
                    try
                    {
                        return (attempt, await attempt.MoveNextAsync().ConfigureAwait(false));
                    }
                    catch
                    {
                        await attempt.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                },
                context,
                (Self: this, List: list, Options: options)).ConfigureAwait(false);
        }
        catch
        {
            _ledger.StopKeepAlive(call.Reservation);
            await ReleaseAfterFailureAsync(call).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        try
        {
            while (more)
            {
                foreach (var content in updates.Current.Contents)
                {
                    if (content is UsageContent { Details: { } details })
                    {
                        (usage ??= new UsageDetails()).Add(details);
                    }
                }

                yield return updates.Current;

                // After the first update the tokens are billed: a fault from here on settles rather than releases.
                more = await updates.MoveNextAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _ledger.StopKeepAlive(call.Reservation);
            try
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await CompleteAsync(call, usage).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<ChatCall> BeginAsync(IList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var provider = _metadata?.ProviderName;
        var model = options?.ModelId ?? _metadata?.DefaultModelId
            ?? throw new UnknownModelPriceException(provider, "(the request names no model and the client has no default)");
        var price = _catalog.GetSharedPrice(provider, model);
        var (category, agent) = ChatSpendAttribution.Resolve(options, _options.Category, _options.Agent);
        var attribution = new SpendAttribution(category, model, agent);
        var inputTokens = EstimateInputTokens(messages, options);
        long maxOutput = options?.MaxOutputTokens is int max and > 0 ? max : _options.DefaultOutputTokens;
        var estimate = CostCalculator.Estimate(price, inputTokens, maxOutput, decimal.MaxValue);

        RateLimitCharge? charge = null;
        if (_rateLimiter is not null)
        {
            charge = await _rateLimiter.AcquireAsync(provider, model, inputTokens, maxOutput, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var reservation = await ReserveAsync(attribution, estimate, cancellationToken).ConfigureAwait(false);
            return new ChatCall(provider, model, price, reservation, charge, estimate, inputTokens, maxOutput);
        }
        catch when (charge is not null)
        {
            // The call will not be made: give the charged tokens back to the next request.
            _rateLimiter!.Correct(charge, 0, 0);
            throw;
        }
    }

    private async ValueTask<BudgetReservation> ReserveAsync(SpendAttribution attribution, decimal estimate, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            // The full estimate is checked and held: a call that might not fit is refused, and parallel calls cannot
            // together pass a limit.
            var result = await _ledger.TryReserveAsync(attribution, estimate, cancellationToken).ConfigureAwait(false);
            if (result.IsGranted)
            {
                return result.Reservation;
            }

            var decision = result.Decision;
            if (decision.Status != BudgetStatus.Throttled || waited + decision.RetryAfter > _options.MaxThrottleWait)
            {
                throw new BudgetExceededException(decision.Denial!);
            }

            waited += decision.RetryAfter;
            await Task.Delay(decision.RetryAfter, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask CompleteAsync(ChatCall call, UsageDetails? usage)
    {
        // Without reported usage the full estimate is charged: spend that cannot be measured is never counted as free.
        var cost = call.Estimate;
        TokenUsage? tokens = usage is null ? null : Measure(in call, usage);
        if (tokens is { } counted)
        {
            try
            {
                cost = CostCalculator.Calculate(call.Price, counted).Total;
                if (call.Charge is not null)
                {
                    var input = call.Price.EffectiveConvention == CachedTokenConvention.ExcludedFromInput
                        ? counted.InputTokens + counted.CachedInputTokens + counted.CacheWriteTokens
                        : counted.InputTokens;
                    _rateLimiter!.Correct(call.Charge, input, counted.OutputTokens);
                }
            }
            catch (Exception ex) when (ex is ArgumentOutOfRangeException or ObjectDisposedException)
            {
                // Inconsistent counts from the provider (keep the estimate), or the limiter is gone at shutdown:
                // neither may keep an answered, billed call from being settled.
            }
        }

        // One more attempt after a failure: the reservation stays open when the store throws, and a dropped
        // connection or a lock timeout is often gone a moment later. Beyond that the hold lapses at its expiry.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _ledger.SettleAsync(call.Reservation, cost, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CostLog.SettleFailed(_logger, ex, call.Reservation.Id, cost, attempt, MaximumSettleAttempts, _ledger.UnsavedSpend);
                if (attempt == MaximumSettleAttempts)
                {
                    _ledger.Abandon(call.Reservation);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Releases the reservation of a call that failed. Never throws: the caller must see the provider's error, not the
    /// store's. When the store fails the reservation is abandoned (off the reserved gauge; its hold lapses at expiry).
    /// </summary>
    private async ValueTask ReleaseAfterFailureAsync(ChatCall call)
    {
        try
        {
            await _ledger.ReleaseAsync(call.Reservation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CostLog.ReleaseFailed(_logger, ex, call.Reservation.Id);
            _ledger.Abandon(call.Reservation);
        }
    }

    /// <summary>
    /// Reads the token counts, filling in the ones the provider left out rather than taking them as zero: from
    /// <see cref="UsageDetails.TotalTokenCount"/> when it is there (the estimated input first, the rest output), else
    /// the estimate for that part. Null when nothing was measured at all, so the estimate is charged.
    /// </summary>
    private static TokenUsage? Measure(in ChatCall call, UsageDetails usage)
    {
        long? input = usage.InputTokenCount;
        long? output = usage.OutputTokenCount;
        if (input is null && output is null && usage.TotalTokenCount is null)
        {
            return null;
        }

        if (usage.TotalTokenCount is long total && (input is null || output is null))
        {
            if (input is null && output is null)
            {
                input = Math.Clamp(call.InputTokens, 0, Math.Max(total, 0));
                output = Math.Max(total - input.Value, 0);
            }
            else if (input is null)
            {
                input = Math.Max(total - output!.Value, 0);
            }
            else
            {
                output = Math.Max(total - input.Value, 0);
            }
        }

        return TokenUsage.FromUsageDetails(usage) with
        {
            InputTokens = input ?? call.InputTokens,
            OutputTokens = output ?? call.MaxOutputTokens,
        };
    }

    private void OnRetryAfter(ResilienceContext context, TimeSpan delay)
    {
        if (_rateLimiter is not null && context.Properties.TryGetValue(CallKey, out var call))
        {
            _rateLimiter.ApplyRetryAfter(call.Provider, call.Model, delay);
        }
    }

    private long EstimateInputTokens(IList<ChatMessage> messages, ChatOptions? options)
    {
        long characters = options?.Instructions?.Length ?? 0;
        // Indexed: foreach over the interface would allocate an enumerator on every call.
        for (var i = 0; i < messages.Count; i++)
        {
            characters += messages[i].Text.Length;
        }

        return (long)Math.Ceiling(characters / _options.CharactersPerToken) + ((long)TokensPerMessage * messages.Count);
    }

    /// <summary>What a call needs from its start to its settle; a struct, as it lives in the call's state machine.</summary>
    private readonly record struct ChatCall(
        string? Provider, string Model, ModelPrice Price, BudgetReservation Reservation, RateLimitCharge? Charge, decimal Estimate, long InputTokens, long MaxOutputTokens);
}
