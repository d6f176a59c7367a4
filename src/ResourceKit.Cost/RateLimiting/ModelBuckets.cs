namespace ResourceKit.Cost.RateLimiting;

/// <summary>The request and token buckets of one provider and model, and the token corrections owed to them.</summary>
internal sealed class ModelBuckets : IDisposable
{
    // A TimeProvider timestamp, not a wall-clock time: a clock stepped back must not stretch a Retry-After pause.
    private long _pausedUntilTimestamp;

    public ModelBuckets(ModelRateLimit limit)
    {
        Requests = TokenBucket.Create(limit.RequestsPerMinute);
        InputTokens = TokenBucket.Create(limit.InputTokensPerMinute);
        OutputTokens = TokenBucket.Create(limit.OutputTokensPerMinute);
    }

    public TokenBucket? Requests { get; }

    public TokenBucket? InputTokens { get; }

    public TokenBucket? OutputTokens { get; }

    public TokenDebt InputDebt { get; } = new();

    public TokenDebt OutputDebt { get; } = new();

    /// <summary>Gets the <see cref="TimeProvider.GetTimestamp"/> value until which the model is paused; 0 if never paused.</summary>
    public long PausedUntilTimestamp => Interlocked.Read(ref _pausedUntilTimestamp);

    /// <summary>Pauses until the given timestamp, unless a later pause is already set.</summary>
    public void PauseUntil(long timestamp)
    {
        long current;
        while ((current = Interlocked.Read(ref _pausedUntilTimestamp)) < timestamp
               && Interlocked.CompareExchange(ref _pausedUntilTimestamp, timestamp, current) != current)
        {
        }
    }

    public void Refill()
    {
        Requests?.Limiter.Refill();
        InputTokens?.Limiter.Refill();
        OutputTokens?.Limiter.Refill();
    }

    public void Dispose()
    {
        Requests?.Limiter.Dispose();
        InputTokens?.Limiter.Dispose();
        OutputTokens?.Limiter.Dispose();
    }
}

/// <summary>A per-minute token bucket refilled every second by the owner's timer.</summary>
internal sealed record TokenBucket(ClockedTokenBucket Limiter, int Capacity)
{
    public static TokenBucket? Create(int? perMinute) =>
        perMinute is { } limit ? new TokenBucket(new ClockedTokenBucket(limit, Math.Max(1, (limit + 59) / 60)), limit) : null;
}

/// <summary>Tokens owed (positive) or credited (negative) after estimates were corrected.</summary>
internal sealed class TokenDebt
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Add(long delta) => Interlocked.Add(ref _value, delta);

    /// <summary>Returns the tokens to charge for an estimate, settling as much of the debt or credit as it can.</summary>
    public long Take(long estimate)
    {
        while (true)
        {
            var debt = Interlocked.Read(ref _value);
            var total = estimate + debt;
            var remaining = total >= 0 ? 0 : total;
            if (Interlocked.CompareExchange(ref _value, remaining, debt) == debt)
            {
                return Math.Max(0, total);
            }
        }
    }
}
