using Microsoft.Extensions.AI;
using ResourceKit.Cost.Pricing;

namespace ResourceKit.Cost.Tests.Pricing;

public class CostCalculatorTests
{
    private static readonly ModelPrice OpenAi = new()
    {
        Provider = "openai", Model = "gpt-4o", InputPerMillion = 15m, OutputPerMillion = 60m, CachedInputPerMillion = 7.5m,
    };

    private static readonly ModelPrice Anthropic = new()
    {
        Provider = "anthropic", Model = "claude", InputPerMillion = 3m, OutputPerMillion = 15m, CachedInputPerMillion = 0.3m, CacheWritePerMillion = 3.75m,
    };

    [Test]
    public void Calculate_OpenAiConvention_CachedTokensAreInsideInput()
    {
        // 1,000,000 input of which 400,000 cached: 600k at $15/M + 400k at $7.50/M.
        var cost = CostCalculator.Calculate(OpenAi, new TokenUsage(1_000_000, 100_000, CachedInputTokens: 400_000));

        Assert.Multiple(() =>
        {
            Assert.That(cost.Input, Is.EqualTo(9m));
            Assert.That(cost.CachedInput, Is.EqualTo(3m));
            Assert.That(cost.Output, Is.EqualTo(6m));
            Assert.That(cost.Total, Is.EqualTo(18m));
        });
    }

    [Test]
    public void Calculate_AnthropicConvention_CacheReadsAndWritesComeOnTop()
    {
        // Anthropic's input_tokens (1M) excludes cache reads (2M) and cache writes (1M).
        var cost = CostCalculator.Calculate(Anthropic, new TokenUsage(1_000_000, 1_000_000, CachedInputTokens: 2_000_000, CacheWriteTokens: 1_000_000));

        Assert.Multiple(() =>
        {
            Assert.That(Anthropic.EffectiveConvention, Is.EqualTo(CachedTokenConvention.ExcludedFromInput));
            Assert.That(cost.Input, Is.EqualTo(3m));
            Assert.That(cost.CachedInput, Is.EqualTo(0.6m));
            Assert.That(cost.CacheWrite, Is.EqualTo(3.75m));
            Assert.That(cost.Output, Is.EqualTo(15m));
            Assert.That(cost.Total, Is.EqualTo(22.35m));
        });
    }

    [Test]
    public void Calculate_ReasoningPricedApart_ChargesReasoningPartOfOutputAtItsPrice()
    {
        var price = new ModelPrice { Provider = "p", Model = "m", InputPerMillion = 1m, OutputPerMillion = 10m, ReasoningPerMillion = 20m };

        var cost = CostCalculator.Calculate(price, new TokenUsage(0, 1_000_000, ReasoningTokens: 250_000));

        Assert.That(cost.Output, Is.EqualTo(7.5m));
        Assert.That(cost.Reasoning, Is.EqualTo(5m));
    }

    [Test]
    public void Calculate_FromUsageDetails_MapsEveryCount()
    {
        var details = new UsageDetails
        {
            InputTokenCount = 2_000, OutputTokenCount = 1_000, CachedInputTokenCount = 1_000, ReasoningTokenCount = 200,
            AdditionalCounts = new() { [TokenUsage.CacheWriteCountKey] = 50 },
        };

        var usage = TokenUsage.FromUsageDetails(details);

        Assert.That(usage, Is.EqualTo(new TokenUsage(2_000, 1_000, 1_000, 200, 50)));
        Assert.That(CostCalculator.Calculate(OpenAi, usage).Total, Is.EqualTo((950m * 15m + 1_000m * 7.5m + 50m * 15m + 1_000m * 60m) / 1_000_000m));
    }

    [Test]
    public void Calculate_NegativeTokens_Throws()
    {
        Assert.That(() => CostCalculator.Calculate(OpenAi, new TokenUsage(-1, 10)), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => CostCalculator.Calculate(OpenAi, new TokenUsage(10, 10, ReasoningTokens: 11)), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Calculate_CachedExceedsInputUnderOpenAi_Throws()
    {
        Assert.That(
            () => CostCalculator.Calculate(OpenAi, new TokenUsage(10, 10, CachedInputTokens: 11)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("cannot exceed InputTokens"));
    }

    [Test]
    public void Estimate_LargeContext_IsCappedAtMaximum()
    {
        Assert.That(CostCalculator.Estimate(OpenAi, 1_000, 1_000, 10m), Is.EqualTo(0.075m));
        Assert.That(CostCalculator.Estimate(OpenAi, 10_000_000, 1_000, 1m), Is.EqualTo(1m));
    }

    [Test]
    public void Estimate_BadInput_Throws()
    {
        Assert.That(() => CostCalculator.Estimate(OpenAi, -1, 0, 1m), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => CostCalculator.Estimate(OpenAi, 1, 0, 0m), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
