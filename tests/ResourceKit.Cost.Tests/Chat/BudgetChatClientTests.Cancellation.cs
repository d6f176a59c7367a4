using System.Diagnostics;
using Microsoft.Extensions.AI;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Pricing;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>Many calls and streams running at once, their holds renewed, then cancelled: nothing stays held or scheduled.</content>
public sealed partial class BudgetChatClientTests
{
    private const int ConcurrentCalls = 64;
    private static readonly ChatOptions SmallCall = new() { MaxOutputTokens = 100 };

    [Test]
    public async Task GetResponseAsync_ManyConcurrentCallsRenewedThenCancelled_LeaveNothingHeldOrScheduled()
    {
        using var cancel = new CancellationTokenSource();
        _inner.RespondAsync = _ => UntilCancelledAsync(cancel.Token);
        using var client = WithoutRateLimit();
        var calls = new Task<ChatResponse>[ConcurrentCalls];

        Parallel.For(0, ConcurrentCalls, i => calls[i] = client.GetResponseAsync(Prompt, SmallCall, cancel.Token));
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(ConcurrentCalls), "every running call's hold is kept alive");
        AdvanceInSteps(TimeSpan.FromMinutes(6));
        Assert.That(_store.OpenReservations, Is.EqualTo(ConcurrentCalls), "past the time to live, every hold is still there");
        await cancel.CancelAsync();

        foreach (var call in calls)
        {
            Assert.CatchAsync<OperationCanceledException>(async () => await call.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.That(_ledger.Renewals.Count, Is.Zero);
        Assert.That(_store.OpenReservations, Is.Zero);
        Assert.That(_ledger.LocalReserved, Is.Zero);
        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.Zero, "cancelled before an answer: nothing to pay");
    }

    [Test]
    public async Task GetStreamingResponseAsync_ManyConcurrentStreamsRenewedThenCancelled_LeaveNothingHeldOrScheduled()
    {
        using var cancel = new CancellationTokenSource();
        var never = new TaskCompletionSource();
        _inner.StreamAsync = _ => Paced(never.Task);
        using var client = WithoutRateLimit();
        var streams = new IAsyncEnumerator<ChatResponseUpdate>[ConcurrentCalls];

        await Task.WhenAll(Enumerable.Range(0, ConcurrentCalls).Select(i => Task.Run(async () =>
        {
            streams[i] = client.GetStreamingResponseAsync(Prompt, SmallCall, cancel.Token).GetAsyncEnumerator();
            Assert.That(await streams[i].MoveNextAsync(), Is.True);
        }))).WaitAsync(TimeSpan.FromSeconds(10));
        var rest = streams.Select(s => s.MoveNextAsync().AsTask()).ToArray();
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(ConcurrentCalls));
        AdvanceInSteps(TimeSpan.FromMinutes(6));
        Assert.That(_store.OpenReservations, Is.EqualTo(ConcurrentCalls));
        await cancel.CancelAsync();

        foreach (var (stream, next) in streams.Zip(rest))
        {
            Assert.CatchAsync<OperationCanceledException>(async () => await next.WaitAsync(TimeSpan.FromSeconds(10)));
            await stream.DisposeAsync();
        }

        Assert.That(_ledger.Renewals.Count, Is.Zero);
        Assert.That(_store.OpenReservations, Is.Zero);
        Assert.That(_ledger.LocalReserved, Is.Zero);
        var estimate = ((104m * 15m) + (100m * 60m)) / 1_000_000m;
        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo(ConcurrentCalls * estimate), "each stream had produced tokens: billed at the estimate");
    }

    /// <summary>A client without the rate limiter, whose 60 requests a minute would hold back this many calls on the fake clock.</summary>
    private BudgetChatClient WithoutRateLimit() =>
        new(_inner, _ledger, new PriceCatalog(PriceCatalog.CreateSeedPrices()), _options, rateLimiter: null, _time);

    private static async Task<ChatResponse> UntilCancelledAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        throw new UnreachableException();
    }
}
