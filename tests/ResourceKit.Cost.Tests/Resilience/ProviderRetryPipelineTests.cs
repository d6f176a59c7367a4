using System.Net;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Resilience;
using ResourceKit.Cost.Tests.Chat;

namespace ResourceKit.Cost.Tests.Resilience;

public class ProviderRetryPipelineTests
{
    [Test]
    public void IsTransient_ClassifiesProviderErrors()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TransientErrors.IsTransient(new HttpRequestException("x", null, HttpStatusCode.TooManyRequests)), Is.True);
            Assert.That(TransientErrors.IsTransient(new HttpRequestException("x", null, HttpStatusCode.BadGateway)), Is.True);
            Assert.That(TransientErrors.IsTransient(new HttpRequestException("x", null, HttpStatusCode.BadRequest)), Is.False);
            Assert.That(TransientErrors.IsTransient(new TimeoutException()), Is.True);
            Assert.That(TransientErrors.IsTransient(new OperationCanceledException()), Is.False);
            Assert.That(TransientErrors.IsTransient(new InvalidOperationException("wrap", new TimeoutException())), Is.True);
        });
    }

    [Test]
    public void GetRetryAfter_ReadsExceptionOrData()
    {
        var data = new HttpRequestException("429");
        data.Data[TransientErrors.RetryAfterDataKey] = "7";

        Assert.That(TransientErrors.GetRetryAfter(new ProviderThrottledException("x", TimeSpan.FromSeconds(3))), Is.EqualTo(TimeSpan.FromSeconds(3)));
        Assert.That(TransientErrors.GetRetryAfter(data), Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(TransientErrors.GetRetryAfter(new TimeoutException()), Is.Null);
    }

    [Test]
    public async Task Create_TransientErrors_RetriesWithGrowingDelaysUpToMaxAttempts()
    {
        var time = new FakeTimeProvider();
        var pipeline = ProviderRetryPipeline.Create(new CostOptions { MaxRetryAttempts = 2, RetryBaseDelay = TimeSpan.FromSeconds(1) }, time);
        var attempts = 0;

        var task = pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new TimeoutException();
        }).AsTask();
        for (var i = 0; i < 100 && !task.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.ThrowsAsync<TimeoutException>(() => task);
        Assert.That(attempts, Is.EqualTo(3));
    }

    [Test]
    public async Task Create_RetryAfterAboveCap_WaitsOnlyTheCap()
    {
        var time = new FakeTimeProvider();
        TimeSpan? applied = null;
        var pipeline = ProviderRetryPipeline.Create(
            new CostOptions { MaxRetryAttempts = 1, MaxRetryAfter = TimeSpan.FromSeconds(10) }, time, (_, delay) => applied = delay);
        var attempts = 0;

        var task = pipeline.ExecuteAsync(_ =>
        {
            if (attempts++ == 0)
            {
                throw new ProviderThrottledException("429", TimeSpan.FromHours(1));
            }

            return ValueTask.FromResult(42);
        }).AsTask();
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.That(await task, Is.EqualTo(42));
        Assert.That(applied, Is.EqualTo(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void Create_NonTransientError_IsNotRetried()
    {
        var pipeline = ProviderRetryPipeline.Create(new CostOptions(), new FakeTimeProvider());
        var attempts = 0;

        Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new InvalidOperationException();
        }));
        Assert.That(attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task Create_ThrottledUntilAttemptsRunOut_ReportsTheLastRetryAfterToo()
    {
        var time = new TimerWatchingTimeProvider(DateTimeOffset.UnixEpoch);
        var reported = new List<TimeSpan>();
        var pipeline = ProviderRetryPipeline.Create(new CostOptions { MaxRetryAttempts = 1 }, time, (_, delay) => reported.Add(delay));
        var attempts = 0;

        var task = pipeline.ExecuteAsync<int>(_ => throw new ProviderThrottledException("429", TimeSpan.FromSeconds(++attempts == 1 ? 2 : 7))).AsTask();
        await time.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.ThrowsAsync<ProviderThrottledException>(() => task);
        Assert.That(reported, Is.EqualTo(new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7) }), "once per throttle, the last (not waited for) included");
    }

    [Test]
    public void Create_RetriesDisabled_StillReportsTheRetryAfterCapped()
    {
        var reported = new List<TimeSpan>();
        var pipeline = ProviderRetryPipeline.Create(
            new CostOptions { MaxRetryAttempts = 0, MaxRetryAfter = TimeSpan.FromSeconds(10) }, new FakeTimeProvider(), (_, delay) => reported.Add(delay));

        Assert.ThrowsAsync<ProviderThrottledException>(async () => await pipeline.ExecuteAsync<int>(_ => throw new ProviderThrottledException("429", TimeSpan.FromMinutes(1))));
        Assert.That(reported, Is.EqualTo(new[] { TimeSpan.FromSeconds(10) }));
    }

    [Test]
    public void Create_LastFailureNotTransient_ReportsNothing()
    {
        var reported = new List<TimeSpan>();
        var pipeline = ProviderRetryPipeline.Create(new CostOptions(), new FakeTimeProvider(), (_, delay) => reported.Add(delay));
        var error = new InvalidOperationException("400");
        error.Data[TransientErrors.RetryAfterDataKey] = 5;

        Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => throw error));
        Assert.That(reported, Is.Empty, "only a transient failure's Retry-After is a throttle");
    }
}
