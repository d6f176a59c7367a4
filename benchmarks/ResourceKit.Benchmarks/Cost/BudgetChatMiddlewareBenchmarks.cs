using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;

namespace ResourceKit.Benchmarks.Cost;

/// <summary>
/// Per-call overhead of <see cref="BudgetChatClient"/> (estimate, reserve, retry pipeline, usage-based settle)
/// beside calling the same in-memory <see cref="IChatClient"/> directly.
/// </summary>
[MemoryDiagnoser]
public class BudgetChatMiddlewareBenchmarks
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Summarise the last hour of agent activity in three bullet points.")];

    private InstantChatClient _bare = null!;
    private BudgetChatClient _budgeted = null!;
    private SpendLedger _ledger = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1_000_000_000m }] };
        _ledger = new SpendLedger(options, new MemorySpendStore());
        _bare = new InstantChatClient();
        _budgeted = new BudgetChatClient(_bare, _ledger, new PriceCatalog(PriceCatalog.CreateSeedPrices()), options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _budgeted.Dispose();
        _ledger.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> BareChatClient() => _bare.GetResponseAsync(Prompt);

    [Benchmark]
    public Task<ChatResponse> WithBudgetMiddleware() => _budgeted.GetResponseAsync(Prompt);

    /// <summary>A provider stand-in that answers at once with usage, so only the middleware's cost is measured.</summary>
    private sealed class InstantChatClient : IChatClient
    {
        private readonly ChatClientMetadata _metadata = new("openai", null, "gpt-4o");
        private readonly ChatResponse _response = new(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 60, CachedInputTokenCount = 10 },
        };

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(_response);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType == typeof(ChatClientMetadata) ? _metadata : null;

        public void Dispose()
        {
        }
    }
}
