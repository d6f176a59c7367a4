using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tiering;

namespace ResourceKit.Cost.Tests.Tiering;

public sealed class ModelTierRouterTests : IDisposable
{
    private SpendLedger _ledger = null!;
    private ModelTierRouter _router = null!;

    [SetUp]
    public void SetUp()
    {
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 10m }] };
        _ledger = new SpendLedger(options, new MemorySpendStore(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)));
        _router = new ModelTierRouter(options.Tiering, _ledger);
    }

    [TearDown]
    public void Dispose() => _ledger?.Dispose();

    [TestCase("code_generation", 0.9, ModelTier.Premium)]
    [TestCase("code_generation", 0.8, ModelTier.Economy)]
    [TestCase("planning", 0.7, ModelTier.Standard)]
    [TestCase("analysis", 0.95, ModelTier.Standard)]
    [TestCase("analysis", 0.6, ModelTier.Economy)]
    [TestCase("chat", 1.0, ModelTier.Economy)]
    public void SelectTier_SeedTable_PicksTier(string task, double complexity, ModelTier expected) =>
        Assert.That(_router.SelectTier(task, complexity), Is.EqualTo(expected));

    [TestCase(0, ModelTier.Premium)]
    [TestCase(5.5, ModelTier.Standard)]
    [TestCase(8.5, ModelTier.Economy)]
    public async Task RouteAsync_RemainingBudgetFalls_StepsDown(decimal spent, ModelTier expected)
    {
        if (spent > 0)
        {
            await _ledger.RecordAsync(new SpendAttribution("chat", "claude-4-opus", "a"), spent);
        }

        var route = await _router.RouteAsync("code_generation", 0.9, "chat", "a");

        Assert.That(route.Tier, Is.EqualTo(expected));
        Assert.That(route.Model, Is.EqualTo(_router.ModelFor(expected)));
        Assert.That(route.SteppedDown, Is.EqualTo(expected != ModelTier.Premium));
    }

    [Test]
    public async Task RouteAsync_BlockRuleExhausted_IsBlockedInsteadOfCheaperModel()
    {
        await _ledger.RecordAsync(new SpendAttribution("chat", "x", "a"), 10m);

        var route = await _router.RouteAsync("code_generation", 0.9, "chat", "a");

        Assert.That(route.IsBlocked, Is.True);
        Assert.That(route.Denial!.RuleName, Is.EqualTo("daily"));
    }

    [Test]
    public async Task RouteAsync_RequestWithoutCategoryOrAgent_ReadsTheBudgetTheMiddlewareCharges()
    {
        // The budget middleware charges a request without properties to CostOptions.Category and .Agent
        // ("chat", "default"); tiering read "llm"/"agent" and so never saw this $10 "chat" throttle at 60 %.
        var options = new CostOptions
        {
            Rules = [new BudgetRule { Name = "chat_hourly", Limit = 10m, Window = BudgetWindow.Hourly, Scope = BudgetScope.Category, ScopeValue = "chat", Action = BudgetAction.Throttle }],
        };
        using var ledger = new SpendLedger(options, new MemorySpendStore(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero)));
        var router = new ModelTierRouter(options, ledger);
        await ledger.RecordAsync(new SpendAttribution("chat", router.ModelFor(ModelTier.Premium), "default"), 6m);

        var route = await router.RouteAsync("code_generation", 0.9, options: null);
        var named = await router.RouteAsync("code_generation", 0.9, new ChatOptions { AdditionalProperties = new() { [BudgetChatClient.CategoryPropertyName] = "other" } });

        Assert.That(route.Model, Is.EqualTo(router.ModelFor(ModelTier.Standard)), "40 % of the chat budget is left: one tier down");
        Assert.That(named.Model, Is.EqualTo(router.ModelFor(ModelTier.Premium)), "another category's budget is untouched");
    }

    [Test]
    public void BadInput_Throws()
    {
        Assert.That(() => _router.SelectTier("", 0.5), Throws.ArgumentException);
        Assert.That(() => _router.SelectTier("chat", 1.5), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(
            () => new ModelTierRouter(new ModelTieringOptions { StepDownOneTierBelow = 0.1, StepDownTwoTiersBelow = 0.3 }, _ledger),
            Throws.ArgumentException.With.Message.Contains("StepDownTwoTiersBelow"));
    }
}
