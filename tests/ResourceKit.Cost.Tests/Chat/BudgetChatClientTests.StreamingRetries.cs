using Microsoft.Extensions.AI;
using ResourceKit.Cost.Resilience;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>A stream that fails before its first update is retried like a plain call, Retry-After included.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public async Task GetStreamingResponseAsync_ThrottledBeforeFirstUpdate_WaitsRetryAfterPausesTheModelAndRetries()
    {
        _inner.StreamAsync = call => call == 1 ? Throttled() : Answer();
        using var client = Create();

        var stream = client.GetStreamingResponseAsync(Prompt).ToListAsync().AsTask();
        var waiting = _time.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        Assert.That(await Task.WhenAny(stream, waiting), Is.SameAs(waiting), "the throttle is waited out, not thrown to the caller");
        var otherCall = _limiter.AcquireAsync("openai", "gpt-4o", 0, 0).AsTask();
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.That(otherCall.IsCompleted, Is.False, "the provider's Retry-After pauses the model for every caller");
        _time.Advance(TimeSpan.FromSeconds(1));
        var updates = await stream;
        await otherCall;

        Assert.That(string.Concat(updates.Select(u => u.Text)), Is.EqualTo("ok"));
        Assert.That(_inner.Calls, Is.EqualTo(2));
        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That((status.Committed, status.Reserved), Is.EqualTo(((100m * 15m + 10m * 60m) / 1_000_000m, 0m)), "one reservation, settled once");

        static async IAsyncEnumerable<ChatResponseUpdate> Throttled()
        {
            await Task.Yield();
            throw new ProviderThrottledException("429", TimeSpan.FromSeconds(5));
#pragma warning disable CS0162 // Unreachable: the yield makes this an iterator that fails on its first MoveNext.
            yield break;
#pragma warning restore CS0162
        }

        static async IAsyncEnumerable<ChatResponseUpdate> Answer()
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "ok");
            yield return new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 })] };
        }
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsAfterFirstUpdate_IsNotRetried()
    {
        _inner.StreamAsync = _ => FailsMidStream();
        using var client = Create();

        Assert.ThrowsAsync<ProviderThrottledException>(async () => await client.GetStreamingResponseAsync(Prompt).ToListAsync());

        Assert.That(_inner.Calls, Is.EqualTo(1), "the caller has seen part of the answer");
        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.GreaterThan(0m), "tokens were produced and are billed");

        static async IAsyncEnumerable<ChatResponseUpdate> FailsMidStream()
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "o");
            throw new ProviderThrottledException("429", TimeSpan.FromSeconds(5));
        }
    }
}
