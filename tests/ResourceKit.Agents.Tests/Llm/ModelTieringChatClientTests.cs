using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Llm;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tiering;

namespace ResourceKit.Agents.Tests.Llm;

public sealed class ModelTieringChatClientTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task GetResponseAsync_ComplexCodeGeneration_RoutesToPremiumThenStepsDownAsBudgetRunsLow()
    {
        using var ledger = NewLedger(new BudgetRule { Name = "hour", Limit = 10m, Window = BudgetWindow.Hourly, Action = BudgetAction.Throttle });
        var tiering = new ModelTieringOptions();
        tiering.PremiumTaskTypes.Add("code_generation");
        var inner = new RecordingChatClient();
        using var client = new ModelTieringChatClient(inner, new ModelTierRouter(tiering, ledger));

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "write code")], Options("code_generation", 0.9));
        var premium = inner.LastModel;
        await ledger.RecordAsync(new SpendAttribution("llm", premium!, "agent"), 6m);
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "write code")], Options("code_generation", 0.9));

        Assert.Multiple(() =>
        {
            Assert.That(premium, Is.EqualTo(tiering.PremiumModel));
            Assert.That(inner.LastModel, Is.EqualTo(tiering.StandardModel), "40 % remaining is below the 50 % step-down");
            Assert.That(client.Counts, Is.EqualTo((2L, 1L, 0L)));
        });
    }

    [Test]
    public async Task GetResponseAsync_RequestWithoutCategory_ConsultsTheCategoryTheBudgetMiddlewareCharges()
    {
        // A per-category throttle on the category the budget middleware charges requests that name none.
        var options = new CostOptions { Category = "assistant" };
        options.Tiering.PremiumTaskTypes.Add("code_generation");
        options.Rules.Add(new BudgetRule
        {
            Name = "assistant-hour",
            Limit = 10m,
            Window = BudgetWindow.Hourly,
            Scope = BudgetScope.Category,
            ScopeValue = "assistant",
            Action = BudgetAction.Throttle,
        });
        using var ledger = new SpendLedger(options, new MemorySpendStore(), _time);
        var inner = new RecordingChatClient();
        using var client = new ModelTieringChatClient(inner, new ModelTierRouter(options, ledger));
        await ledger.RecordAsync(new SpendAttribution("assistant", options.Tiering.PremiumModel, options.Agent), 6m);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "write code")], Options("code_generation", 0.9));

        Assert.That(inner.LastModel, Is.EqualTo(options.Tiering.StandardModel), "40 % of the category's budget remains, below the 50 % step-down");
    }

    [Test]
    public async Task GetResponseAsync_RequestNamesModel_KeepsIt()
    {
        using var ledger = NewLedger();
        var inner = new RecordingChatClient();
        using var client = new ModelTieringChatClient(inner, new ModelTierRouter(new ModelTieringOptions(), ledger));

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "gpt-4o" });

        Assert.That(inner.LastModel, Is.EqualTo("gpt-4o"));
    }

    [Test]
    public async Task GetResponseAsync_BlockRuleExhausted_ThrowsAndNeverCallsProvider()
    {
        using var ledger = NewLedger(new BudgetRule { Name = "day", Limit = 1m, Window = BudgetWindow.Daily, Action = BudgetAction.Block });
        var inner = new RecordingChatClient();
        var tiering = new ModelTieringOptions();
        using var client = new ModelTieringChatClient(inner, new ModelTierRouter(tiering, ledger));
        await ledger.RecordAsync(new SpendAttribution("llm", tiering.StandardModel, "agent"), 1m);

        var ex = Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options("chat", 0.7)));

        Assert.That(ex!.Denial!.RuleName, Is.EqualTo("day"));
        Assert.That(inner.Calls, Is.Zero);
        Assert.That(client.Counts.Blocked, Is.EqualTo(1));
    }

    private SpendLedger NewLedger(params BudgetRule[] rules)
    {
        var options = new CostOptions();
        foreach (var rule in rules)
        {
            options.Rules.Add(rule);
        }

        return new SpendLedger(options, new MemorySpendStore(), _time);
    }

    private static ChatOptions Options(string taskType, double complexity) => new()
    {
        AdditionalProperties = new AdditionalPropertiesDictionary
        {
            [ModelTieringChatClient.TaskTypePropertyName] = taskType,
            [ModelTieringChatClient.ComplexityPropertyName] = complexity,
        },
    };

    private sealed class RecordingChatClient : IChatClient
    {
        public int Calls { get; private set; }

        public string? LastModel { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            LastModel = options?.ModelId;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
