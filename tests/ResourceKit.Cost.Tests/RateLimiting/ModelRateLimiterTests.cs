using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.RateLimiting;

namespace ResourceKit.Cost.Tests.RateLimiting;

public class ModelRateLimiterTests
{
    private static ModelRateLimit Limit(int? rpm = null, int? input = null, int? output = null, string model = "m") =>
        new() { Provider = "p", Model = model, RequestsPerMinute = rpm, InputTokensPerMinute = input, OutputTokensPerMinute = output };

    [Test]
    public async Task AcquireAsync_RequestsPerMinuteExhausted_WaitsForRefill()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 60)], TimeSpan.FromMinutes(1), time);
        using var throttled = new MetricCollector<long>(null, "ResourceKit.Cost", "resourcekit.cost.throttled");
        for (var i = 0; i < 60; i++)
        {
            await limiter.AcquireAsync("p", "m", 0, 0);
        }

        var waiting = limiter.AcquireAsync("p", "m", 0, 0).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);
        Assert.That(limiter.Waits, Is.EqualTo(1));
        Assert.That(throttled.LastMeasurement!.Tags["reason"], Is.EqualTo("rate_limit"));

        time.Advance(TimeSpan.FromSeconds(1));
        await waiting;
    }

    [Test]
    public async Task AcquireAsync_ProviderWildcardLimit_IsSharedByAllItsModels()
    {
        // The seed limits per provider: 60 requests a minute to openai/* is 60 in all, not 60 for each model tiering uses.
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 60, model: "*"), Limit(rpm: 60, model: "own")], TimeSpan.FromMinutes(1), time);
        for (var i = 0; i < 60; i++)
        {
            await limiter.AcquireAsync("p", i % 2 == 0 ? "a" : "b", 0, 0);
        }

        var third = limiter.AcquireAsync("p", "c", 0, 0).AsTask();
        var own = limiter.AcquireAsync("p", "own", 0, 0).AsTask();

        Assert.That(third.IsCompleted, Is.False, "a third model draws on the same exhausted provider buckets");
        Assert.That(own.IsCompleted, Is.True, "a model with its own entry has its own buckets");
        time.Advance(TimeSpan.FromSeconds(1));
        await third;
    }

    [Test]
    public async Task ApplyRetryAfter_ModelUnderProviderWildcard_PausesTheProvidersOtherModels()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 100, model: "*")], TimeSpan.FromMinutes(1), time);

        limiter.ApplyRetryAfter("p", "a", TimeSpan.FromSeconds(5));
        var other = limiter.AcquireAsync("p", "b", 0, 0).AsTask();

        Assert.That(other.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(5));
        await other;
    }

    [Test]
    public async Task Correct_ActualAboveEstimate_ChargesTheDifferenceToTheNextRequest()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(input: 1_000)], TimeSpan.FromMinutes(1), time);

        var charge = await limiter.AcquireAsync("p", "m", 100, 0);
        limiter.Correct(charge, 900, 0);

        // 900 used; the next 100-token estimate is charged 100 + 800 owed, which fills the bucket.
        await limiter.AcquireAsync("p", "m", 100, 0);
        var blocked = limiter.AcquireAsync("p", "m", 10, 0).AsTask();
        Assert.That(blocked.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(1));
        await blocked;
    }

    [Test]
    public async Task Correct_ActualBelowEstimate_CreditsTheNextRequest()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(output: 1_000)], TimeSpan.FromMinutes(1), time);

        var charge = await limiter.AcquireAsync("p", "m", 0, 600);
        limiter.Correct(charge, 0, 100);

        // 400 tokens were left and 500 credited: an estimate of 800 costs only 300.
        var next = limiter.AcquireAsync("p", "m", 0, 800);
        Assert.That(next.IsCompleted, Is.True);
        await next;
    }

    [Test]
    public async Task ApplyRetryAfter_LongerThanCap_PausesOnlyForTheCap()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 100, model: "*")], TimeSpan.FromSeconds(10), time);

        Assert.That(limiter.ApplyRetryAfter("p", "any", TimeSpan.FromMinutes(5)), Is.EqualTo(TimeSpan.FromSeconds(10)));

        var paused = limiter.AcquireAsync("p", "any", 0, 0).AsTask();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(paused.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(1));
        await paused;
    }

    [Test]
    public async Task ApplyRetryAfter_WallClockSteppedBack_PauseDoesNotGrow()
    {
        var time = new SteppedClock();
        using var limiter = new ModelRateLimiter([Limit(rpm: 100, model: "*")], TimeSpan.FromMinutes(1), time);
        limiter.ApplyRetryAfter("p", "any", TimeSpan.FromSeconds(10));

        // An NTP step or a VM resume moves the wall clock back ten minutes; the pause is measured on the monotonic clock.
        time.Offset = TimeSpan.FromMinutes(-10);
        var paused = limiter.AcquireAsync("p", "any", 0, 0).AsTask();
        time.Fake.Advance(TimeSpan.FromSeconds(9));
        Assert.That(paused.IsCompleted, Is.False);
        time.Fake.Advance(TimeSpan.FromSeconds(1));
        // Real-time guard only against a hang if the pause were measured on the wall clock again.
        await paused.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task AcquireAsync_UnlistedModel_IsNotLimited()
    {
        using var limiter = new ModelRateLimiter([Limit(rpm: 1)], TimeSpan.FromMinutes(1), new FakeTimeProvider());

        var charge = await limiter.AcquireAsync("other", "m", 1_000_000, 1_000_000);

        Assert.That(charge.IsLimited, Is.False);
    }

    [Test]
    public async Task AcquireAsync_EstimateLargerThanBucket_IsCappedSoItCanProceed()
    {
        using var limiter = new ModelRateLimiter([Limit(input: 100)], TimeSpan.FromMinutes(1), new FakeTimeProvider());

        var task = limiter.AcquireAsync("p", "m", 1_000_000, 0);

        Assert.That(task.IsCompleted, Is.True);
        await task;
    }

    [Test]
    public async Task AcquireAsync_CancelledWhileWaiting_LeavesQueueAndLaterCallersProceed()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 1)], TimeSpan.FromMinutes(1), time);
        await limiter.AcquireAsync("p", "m", 0, 0);
        using var cancel = new CancellationTokenSource();

        var cancelled = limiter.AcquireAsync("p", "m", 0, 0, cancel.Token).AsTask();
        await cancel.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());

        time.Advance(TimeSpan.FromSeconds(1));
        var next = limiter.AcquireAsync("p", "m", 0, 0);
        Assert.That(next.IsCompleted, Is.True, "the cancelled waiter did not take the refilled token");
        await next;
    }

    [Test]
    public async Task AcquireAsync_CancelledWhileWaitingForTokens_GivesTheRequestPermitBack()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 2, input: 100)], TimeSpan.FromMinutes(1), time);
        await limiter.AcquireAsync("p", "m", 100, 0);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("p", "m", 100, 0, cancel.Token).AsTask();
        Assert.That(waiting.IsCompleted, Is.False, "the second request permit is taken, the input tokens are not there");

        await cancel.CancelAsync();
        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());

        Assert.That(limiter.AcquireAsync("p", "m", 0, 0).AsTask().IsCompleted, Is.True, "the cancelled call's request permit came back");
    }

    [Test]
    public async Task AcquireAsync_CancelledWhileWaitingForOutputTokens_GivesInputTokensAndCreditBack()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(input: 100, output: 100)], TimeSpan.FromMinutes(1), time);
        await limiter.AcquireAsync("p", "m", 0, 100);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("p", "m", 100, 50, cancel.Token).AsTask();

        await cancel.CancelAsync();
        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());

        Assert.That(limiter.AcquireAsync("p", "m", 100, 0).AsTask().IsCompleted, Is.True, "the input tokens it had taken came back");
    }

    [Test]
    public async Task AcquireAsync_ModelNameWithSlash_DoesNotTakeAnotherProvidersLimit()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([new ModelRateLimit { Provider = "a/b", Model = "c", RequestsPerMinute = 1 }], TimeSpan.FromMinutes(1), time);

        await limiter.AcquireAsync("a", "b/c", 0, 0);

        Assert.That(limiter.AcquireAsync("a", "b/c", 0, 0).AsTask().IsCompleted, Is.True, "provider a has no limits");
    }

    [Test]
    public async Task AcquireAsync_NoProviderName_AppliesTheLimitListedForTheModel()
    {
        var time = new FakeTimeProvider();
        using var limiter = new ModelRateLimiter([Limit(rpm: 1)], TimeSpan.FromMinutes(1), time);

        await limiter.AcquireAsync(null, "m", 0, 0);

        Assert.That(limiter.AcquireAsync(null, "m", 0, 0).AsTask().IsCompleted, Is.False, "a client that names no provider is still limited");
        Assert.That(limiter.AcquireAsync("p", "m", 0, 0).AsTask().IsCompleted, Is.False, "and shares the buckets of that provider's model");
    }

    [Test]
    public void BadInput_Throws()
    {
        Assert.That(() => new ModelRateLimiter([Limit(rpm: 0)], TimeSpan.FromSeconds(1)), Throws.ArgumentException.With.Message.Contains("RequestsPerMinute"));
        Assert.That(() => new ModelRateLimiter([], TimeSpan.Zero), Throws.TypeOf<ArgumentOutOfRangeException>());
        using var limiter = new ModelRateLimiter([], TimeSpan.FromSeconds(1));
        Assert.That(async () => await limiter.AcquireAsync("p", "m", -1, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>A fake clock whose wall time can be stepped back while timestamps and timers keep going forward.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        public FakeTimeProvider Fake { get; } = new();

        public TimeSpan Offset { get; set; }

        public override long TimestampFrequency => Fake.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow() + Offset;

        public override long GetTimestamp() => Fake.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Fake.CreateTimer(callback, state, dueTime, period);
    }
}
