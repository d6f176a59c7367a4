using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>Calls and streams that run longer than the reservation time to live keep their hold.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public async Task GetResponseAsync_CallLongerThanReservationTimeToLive_KeepsItsHoldSoNoOneOverspends()
    {
        var answer = new TaskCompletionSource<ChatResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.RespondAsync = _ => answer.Task;
        using var client = Create();
        var call = client.GetResponseAsync(Prompt);
        var held = _ledger.LocalReserved;
        Assert.That(held, Is.GreaterThan(0m), "the call holds its estimate");
        await _ledger.RecordAsync(ChatSpend, 10m - held);

        AdvanceInSteps(TimeSpan.FromMinutes(6));

        Assert.That((await _ledger.TryReserveAsync(ChatSpend, held)).IsGranted, Is.False, "the running call still holds its money");
        answer.SetResult(FakeChatClient.WithUsage(input: 104, output: 4_096));
        await call;
        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.LessThanOrEqualTo(10m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamLongerThanReservationTimeToLive_KeepsItsHold()
    {
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.StreamAsync = _ => Paced(rest.Task);
        using var client = Create();
        await using var updates = client.GetStreamingResponseAsync(Prompt).GetAsyncEnumerator();
        Assert.That(await updates.MoveNextAsync(), Is.True);
        var held = _ledger.LocalReserved;
        await _ledger.RecordAsync(ChatSpend, 10m - held);
        var next = updates.MoveNextAsync();

        AdvanceInSteps(TimeSpan.FromMinutes(6));

        Assert.That((await _ledger.TryReserveAsync(ChatSpend, held)).IsGranted, Is.False, "the running stream still holds its money");
        rest.SetResult();
        Assert.That(await next, Is.True);
        Assert.That(await updates.MoveNextAsync(), Is.False);
        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.LessThanOrEqualTo(10m));
        Assert.That(status.Reserved, Is.Zero);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Paced(Task gate, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new ChatResponseUpdate(ChatRole.Assistant, "first");
        await gate.WaitAsync(cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "rest") { Contents = { new UsageContent(new UsageDetails { InputTokenCount = 104, OutputTokenCount = 10 }) } };
    }

    /// <summary>Moves the clock in 30-second steps so the expiry sweep and the renewal timer both run on the way.</summary>
    private void AdvanceInSteps(TimeSpan by)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < by; elapsed += TimeSpan.FromSeconds(30))
        {
            _time.Advance(TimeSpan.FromSeconds(30));
        }
    }
}
