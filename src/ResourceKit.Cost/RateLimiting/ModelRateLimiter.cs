using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.RateLimiting;

/// <summary>
/// Requests-per-minute and input/output tokens-per-minute limits per provider and model, on
/// <see cref="TokenBucketRateLimiter"/> buckets refilled every second from the <see cref="TimeProvider"/>.
/// Estimated tokens are charged before the call and corrected after it (<see cref="Correct"/>), and a
/// provider's <c>Retry-After</c> pauses the model up to a cap.
/// </summary>
/// <remarks>
/// A limit for model <c>*</c> is the provider's limit: every model of that provider without an entry of its own draws
/// on the same buckets (60 requests a minute to <c>openai/*</c> is 60 in all, however many models tiering spreads
/// the calls over), and a <c>Retry-After</c> received for one of them pauses them all. A model with its own entry
/// has its own buckets and is not counted against the <c>*</c> limit.
/// </remarks>
public sealed class ModelRateLimiter : IDisposable
{
    private static readonly TimeSpan RefillPeriod = TimeSpan.FromSeconds(1);
    private const int MaxUnnamedProviderWarnings = 64;

    private readonly Dictionary<string, ModelRateLimit> _limits;
    private readonly Dictionary<string, ModelRateLimit> _limitsByModel;
    private readonly ConcurrentDictionary<string, byte> _unnamedProviderModels = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ModelBuckets> _buckets = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _maxRetryAfter;
    private readonly ITimer _refill;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _throttled;
    private long _waits;
    private volatile bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ModelRateLimiter"/> class.</summary>
    /// <param name="limits">The limits; model <c>*</c> is one limit shared by every model of a provider without its own entry.</param>
    /// <param name="maxRetryAfter">The longest provider <c>Retry-After</c> honoured.</param>
    /// <param name="timeProvider">The clock; defaults to the system clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Cost</c> meter on which waits are counted.</param>
    /// <exception cref="ArgumentException">A limit is invalid, or a provider and model are listed twice.</exception>
    public ModelRateLimiter(
        IEnumerable<ModelRateLimit> limits,
        TimeSpan maxRetryAfter,
        TimeProvider? timeProvider = null,
        ILogger<ModelRateLimiter>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxRetryAfter, TimeSpan.Zero);
        var list = limits.ToList();
        var errors = list.SelectMany((l, i) => l.Validate($"limits[{i}]")).Concat(ModelRateLimit.FindDuplicates(list)).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(limits));
        }

        _limits = list.ToDictionary(l => Key(l.Provider, l.Model), StringComparer.OrdinalIgnoreCase);
        _limitsByModel = list.Where(l => l.Model.Trim() != "*")
            .GroupBy(l => l.Model.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        _maxRetryAfter = maxRetryAfter;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _refill = _time.CreateTimer(_ => Refill(), null, RefillPeriod, RefillPeriod);
        _meter = meterFactory?.Create(CostMetrics.MeterName) ?? new Meter(CostMetrics.MeterName);
        _ownsMeter = meterFactory is null;
        _throttled = _meter.CreateCounter<long>("resourcekit.cost.throttled", "{request}", "Requests delayed by a throttle rule or a rate limit.");
    }

    /// <summary>Gets how many acquisitions had to wait for a bucket or a <c>Retry-After</c> pause.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>
    /// Waits until the model may take a request of the estimated size, then charges it. If the wait is cancelled,
    /// the permits already taken from the model's other buckets are given back.
    /// </summary>
    /// <param name="provider">
    /// The provider. When <see langword="null"/> or blank, the limit listed for <paramref name="model"/> under any
    /// provider applies (a provider's <c>*</c> entry cannot, and a warning is logged once per model).
    /// </param>
    /// <param name="model">The model.</param>
    /// <param name="estimatedInputTokens">The estimated input tokens.</param>
    /// <param name="estimatedOutputTokens">The output tokens the request may produce.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The charge, to pass to <see cref="Correct"/> when the actual counts are known.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A token estimate is negative.</exception>
    public async ValueTask<RateLimitCharge> AcquireAsync(
        string? provider, string model, long estimatedInputTokens, long estimatedOutputTokens, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedOutputTokens);
        var buckets = GetBuckets(provider, model);
        var charge = new RateLimitCharge(buckets, estimatedInputTokens, estimatedOutputTokens);
        if (buckets is null)
        {
            return charge;
        }

        var pausedUntil = buckets.PausedUntilTimestamp;
        var pause = pausedUntil == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_time.GetTimestamp(), pausedUntil);
        if (pause > TimeSpan.Zero)
        {
            CountWait("retry_after");
            await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
        }

        int requests = 0, input = 0;
        long? inputCharged = null, outputCharged = null;
        try
        {
            requests = await TakeAsync(buckets.Requests, 1, cancellationToken).ConfigureAwait(false);
            inputCharged = buckets.InputDebt.Take(estimatedInputTokens);
            input = await TakeAsync(buckets.InputTokens, inputCharged.Value, cancellationToken).ConfigureAwait(false);
            outputCharged = buckets.OutputDebt.Take(estimatedOutputTokens);
            await TakeAsync(buckets.OutputTokens, outputCharged.Value, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The call will not be made: what the earlier buckets granted, and the debt or credit the estimates
            // settled, go back, or a cancelled wait would cost the next caller permits nobody used.
            buckets.Requests?.Limiter.Return(requests);
            buckets.InputTokens?.Limiter.Return(input);
            if (inputCharged is { } inputTaken)
            {
                buckets.InputDebt.Add(inputTaken - estimatedInputTokens);
            }

            if (outputCharged is { } outputTaken)
            {
                buckets.OutputDebt.Add(outputTaken - estimatedOutputTokens);
            }

            throw;
        }

        return charge;
    }

    /// <summary>
    /// Corrects a charge with the actual token counts: extra tokens are charged to the next request and
    /// unused ones credited to it.
    /// </summary>
    /// <param name="charge">The charge from <see cref="AcquireAsync"/>.</param>
    /// <param name="actualInputTokens">The actual input tokens.</param>
    /// <param name="actualOutputTokens">The actual output tokens.</param>
    public void Correct(RateLimitCharge charge, long actualInputTokens, long actualOutputTokens)
    {
        ArgumentNullException.ThrowIfNull(charge);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(actualInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(actualOutputTokens);
        if (charge.Buckets is { } buckets)
        {
            buckets.InputDebt.Add(actualInputTokens - charge.EstimatedInputTokens);
            buckets.OutputDebt.Add(actualOutputTokens - charge.EstimatedOutputTokens);
        }
    }

    /// <summary>Pauses a model after the provider answered with a <c>Retry-After</c>.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="model">The model.</param>
    /// <param name="retryAfter">The delay the provider asked for.</param>
    /// <returns>The delay applied, capped at the configured maximum.</returns>
    public TimeSpan ApplyRetryAfter(string? provider, string model, TimeSpan retryAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var applied = retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter > _maxRetryAfter ? _maxRetryAfter : retryAfter;
        CostLog.RetryAfterReceived(_logger, retryAfter, provider ?? "(any)", model, _maxRetryAfter);
        GetBuckets(provider, model)?.PauseUntil(_time.GetTimestamp() + (long)(applied.TotalSeconds * _time.TimestampFrequency));
        return applied;
    }

    /// <summary>Stops the refill timer and disposes the buckets.</summary>
    public void Dispose()
    {
        _disposed = true;
        _refill.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }

        foreach (var buckets in _buckets.Values)
        {
            buckets.Dispose();
        }
    }

    private void CountWait(string reason)
    {
        Interlocked.Increment(ref _waits);
        _throttled.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    // Length-prefixed, so provider "a/b" with model "c" and provider "a" with model "b/c" are different keys.
    private static string Key(string provider, string model)
    {
        var p = provider.Trim();
        return p.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + p + "/" + model.Trim();
    }

    /// <summary>Takes the tokens (at most a full bucket) and returns how many permits were taken.</summary>
    private async ValueTask<int> TakeAsync(TokenBucket? bucket, long tokens, CancellationToken cancellationToken)
    {
        if (bucket is null || tokens <= 0)
        {
            return 0;
        }

        // One request never needs more than a full bucket, or it would wait forever.
        var permits = (int)Math.Min(tokens, bucket.Capacity);
        using (var immediate = bucket.Limiter.AttemptAcquire(permits))
        {
            if (immediate.IsAcquired)
            {
                return permits;
            }
        }

        CountWait("rate_limit");
        using var waited = await bucket.Limiter.AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
        if (!waited.IsAcquired)
        {
            throw new InvalidOperationException("The rate-limit queue is full.");
        }

        return permits;
    }

    private ModelBuckets? GetBuckets(string? provider, string model)
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            // A client that names no provider gets the limit listed for its model (under the first provider that lists
            // it, sharing that provider's buckets); a provider's '*' entry cannot be told apart, so none applies then.
            if (_limitsByModel.TryGetValue(model.Trim(), out var byModel))
            {
                provider = byModel.Provider;
            }
            else
            {
                if (_unnamedProviderModels.Count < MaxUnnamedProviderWarnings && _unnamedProviderModels.TryAdd(model, 0))
                {
                    CostLog.NoProviderForRateLimit(_logger, model);
                }

                return null;
            }
        }

        var key = Key(provider, model);
        if (_buckets.TryGetValue(key, out var existing))
        {
            return existing;
        }

        if (!_limits.TryGetValue(key, out var limit))
        {
            // A provider's '*' limit is one limit for all its models without their own entry (the seed limits per
            // provider), so they share one set of buckets, kept under the '*' key.
            key = Key(provider, "*");
            if (_buckets.TryGetValue(key, out existing))
            {
                return existing;
            }

            if (!_limits.TryGetValue(key, out limit))
            {
                return null;
            }
        }

        var created = new ModelBuckets(limit);
        var winner = _buckets.GetOrAdd(key, created);
        if (!ReferenceEquals(winner, created))
        {
            created.Dispose();
        }

        return winner;
    }

    private void Refill()
    {
        foreach (var buckets in _buckets.Values)
        {
            buckets.Refill();
        }
    }
}
