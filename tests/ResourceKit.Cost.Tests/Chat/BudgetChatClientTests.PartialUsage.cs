using Microsoft.Extensions.AI;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>Usage that lacks the input or output count is never charged as free.</content>
public sealed partial class BudgetChatClientTests
{
    // The prompt is 400 characters: 100 tokens plus 4 for the message; no MaxOutputTokens, so 4096 output tokens are assumed.
    private const decimal EstimatedInputCost = 104m * 15m / 1_000_000m;
    private const decimal EstimatedOutputCost = 4_096m * 60m / 1_000_000m;

    private static IEnumerable<TestCaseData> PartialUsages()
    {
        yield return new TestCaseData(new UsageDetails(), EstimatedInputCost + EstimatedOutputCost).SetArgDisplayNames("empty");
        yield return new TestCaseData(
            new UsageDetails { AdditionalCounts = new() { ["Something"] = 12 } }, EstimatedInputCost + EstimatedOutputCost).SetArgDisplayNames("additional counts only");
        yield return new TestCaseData(
            new UsageDetails { TotalTokenCount = 1_000 }, (104m * 15m + 896m * 60m) / 1_000_000m).SetArgDisplayNames("total only: estimated input, the rest output");
        yield return new TestCaseData(
            new UsageDetails { InputTokenCount = 300, TotalTokenCount = 500 }, (300m * 15m + 200m * 60m) / 1_000_000m).SetArgDisplayNames("input and total");
        yield return new TestCaseData(
            new UsageDetails { OutputTokenCount = 50, TotalTokenCount = 450 }, (400m * 15m + 50m * 60m) / 1_000_000m).SetArgDisplayNames("output and total");
        yield return new TestCaseData(
            new UsageDetails { InputTokenCount = 2_000 }, (2_000m * 15m / 1_000_000m) + EstimatedOutputCost).SetArgDisplayNames("input only: estimated output");
        yield return new TestCaseData(
            new UsageDetails { OutputTokenCount = 10 }, EstimatedInputCost + (10m * 60m / 1_000_000m)).SetArgDisplayNames("output only: estimated input");
    }

    [TestCaseSource(nameof(PartialUsages))]
    public async Task GetResponseAsync_UsageMissingCounts_ChargesTheEstimateForTheMissingPart(UsageDetails usage, decimal expected)
    {
        _inner.Respond = _ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = usage };
        using var client = Create();

        await client.GetResponseAsync(Prompt);

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo(expected));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_UsageWithTotalOnly_IsNotFree()
    {
        _inner.Stream = _ =>
        [
            new ChatResponseUpdate(ChatRole.Assistant, "ok"),
            new ChatResponseUpdate { Contents = { new UsageContent(new UsageDetails { TotalTokenCount = 1_000 }) } },
        ];
        using var client = Create();

        await foreach (var _ in client.GetStreamingResponseAsync(Prompt))
        {
        }

        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo((104m * 15m + 896m * 60m) / 1_000_000m));
    }
}
