using System.Net;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Resilience;

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
}
