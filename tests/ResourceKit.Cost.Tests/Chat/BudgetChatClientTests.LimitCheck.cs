using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>A call is checked against its full estimate, which is also what it holds.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public async Task GetResponseAsync_CappedEstimateFitsButFullEstimateDoesNot_IsRefused()
    {
        // The full estimate is 104 input tokens at $15/M plus 4096 output tokens at $60/M, about $0.247.
        _options.MaxReservationCost = 0.1m;
        await _ledger.RecordAsync(ChatSpend, 9.85m);
        using var client = Create();

        var error = Assert.ThrowsAsync<BudgetExceededException>(async () => await client.GetResponseAsync(Prompt));

        Assert.That(error!.Denial!.Requested, Is.EqualTo((104m * 15m + 4_096m * 60m) / 1_000_000m));
        Assert.That(_inner.Calls, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_FullEstimateFits_HoldsTheFullEstimate()
    {
        // Holding less than was checked would let parallel calls each be checked against the same room.
        _options.MaxReservationCost = 0.1m;
        var answer = new TaskCompletionSource<Microsoft.Extensions.AI.ChatResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.RespondAsync = _ => answer.Task;
        using var client = Create();

        var call = client.GetResponseAsync(Prompt);

        Assert.That(_ledger.LocalReserved, Is.EqualTo((104m * 15m + 4_096m * 60m) / 1_000_000m));
        answer.SetResult(FakeChatClient.WithUsage(input: 104, output: 100));
        await call;
    }
}
