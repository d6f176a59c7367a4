using ResourceKit.Cost.Resilience;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>The Retry-After of the throttle the retries give up on pauses the model like the earlier ones.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public async Task GetResponseAsync_ThrottledUntilRetriesRunOut_LastRetryAfterPausesTheModel()
    {
        _options.MaxRetryAttempts = 1;
        _inner.Respond = call => throw new ProviderThrottledException("429", TimeSpan.FromSeconds(call == 1 ? 5 : 20));
        using var client = Create();

        var response = client.GetResponseAsync(Prompt);
        await _time.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.ThrowsAsync<ProviderThrottledException>(() => response, "the second throttle is the last attempt");
        var nextCaller = _limiter.AcquireAsync("openai", "gpt-4o", 0, 0).AsTask();
        _time.Advance(TimeSpan.FromSeconds(19));
        var pausedFor19Seconds = !nextCaller.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(1));
        await nextCaller;

        Assert.That(pausedFor19Seconds, Is.True, "the next caller waits the 20 s the last throttle asked for");
        Assert.That(_inner.Calls, Is.EqualTo(2));
    }
}
