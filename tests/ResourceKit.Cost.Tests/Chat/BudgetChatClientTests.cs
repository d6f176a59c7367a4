using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Tests.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;
using ResourceKit.Cost.Resilience;

namespace ResourceKit.Cost.Tests.Chat;

public sealed partial class BudgetChatClientTests : IDisposable
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, new string('x', 400))];
    private static readonly SpendAttribution ChatSpend = new("chat", "gpt-4o", "default");

    private TimerWatchingTimeProvider _time = null!;
    private SpendLedger _ledger = null!;
    private MemorySpendStore _store = null!;
    private FakeChatClient _inner = null!;
    private ModelRateLimiter _limiter = null!;
    private CostOptions _options = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new TimerWatchingTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        _store = new MemorySpendStore();
        _options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 10m }] };
        _ledger = new SpendLedger(_options, _store, _time);
        _inner = new FakeChatClient();
        _limiter = new ModelRateLimiter(CostOptions.CreateDefaultRateLimits(), TimeSpan.FromSeconds(30), _time);
    }

    [TearDown]
    public void Dispose()
    {
        _ledger?.Dispose();
        _limiter?.Dispose();
    }

    [Test]
    public async Task GetResponseAsync_WithUsage_SettlesActualCostPerOpenAiConvention()
    {
        _inner.Respond = _ => FakeChatClient.WithUsage(input: 1_000, output: 500, cached: 200);
        using var client = Create();

        await client.GetResponseAsync(Prompt);

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo((800m * 15m + 200m * 7.5m + 500m * 60m) / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_OverBlockLimit_ThrowsNamingRuleAndNeverCallsProvider()
    {
        await _ledger.RecordAsync(ChatSpend, 10m);
        using var client = Create();

        var error = Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(Prompt));

        Assert.That(error!.Denial!.RuleName, Is.EqualTo("daily"));
        Assert.That(error.Message, Does.Contain("daily").And.Contain("Daily").And.Contain("$10"));
        Assert.That(_inner.Calls, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_ProviderFails_ReleasesReservation()
    {
        _inner.Respond = _ => throw new InvalidOperationException("bad request");
        using var client = Create();

        Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Prompt));

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero);
        Assert.That(_store.OpenReservations, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_Cancelled_ReleasesReservation()
    {
        using var client = Create();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        Assert.ThrowsAsync<OperationCanceledException>(() => client.GetResponseAsync(Prompt, cancellationToken: cancel.Token));

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero);
        Assert.That(_inner.Calls, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_TransientErrorWithRetryAfter_WaitsThenRetriesUnderOneReservation()
    {
        _inner.Respond = call => call == 1
            ? throw new ProviderThrottledException("429", TimeSpan.FromSeconds(5))
            : FakeChatClient.WithUsage(100, 100);
        using var client = Create();

        var task = client.GetResponseAsync(Prompt);
        await _time.WaitForTimerAsync(due => due == TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.That(task.IsCompleted, Is.False, "Retry-After of 5 s is honoured");
        _time.Advance(TimeSpan.FromSeconds(1));
        await task;

        Assert.That(_inner.Calls, Is.EqualTo(2));
        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo((100m * 15m + 100m * 60m) / 1_000_000m));
    }

    [Test]
    public async Task GetResponseAsync_NoUsageReported_ChargesTheEstimate()
    {
        using var client = Create();

        await client.GetResponseAsync(Prompt, new ChatOptions { MaxOutputTokens = 1_000 });

        // 400 characters / 4 + 4 per message = 104 input tokens; 1000 output tokens.
        Assert.That((await _ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo((104m * 15m + 1_000m * 60m) / 1_000_000m));
    }

    [Test]
    public async Task GetResponseAsync_NoUsageReportedForCallAboveMaxReservationCost_ChargesTheFullEstimate()
    {
        // 400,000 characters / 4 + 4 = 100,004 input tokens and 4096 output tokens: about $1.75, above the $1 default.
        var large = new[] { new ChatMessage(ChatRole.User, new string('x', 400_000)) };
        using var client = Create();

        await client.GetResponseAsync(large);

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo((100_004m * 15m + 4_096m * 60m) / 1_000_000m), "spend that cannot be measured is charged in full");
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_CategoryAndAgentProperties_AreCharged()
    {
        using var client = Create();
        var options = new ChatOptions
        {
            AdditionalProperties = new() { [BudgetChatClient.CategoryPropertyName] = "summarize", [BudgetChatClient.AgentPropertyName] = "Writer" },
        };

        await client.GetResponseAsync(Prompt, options);

        var report = await _ledger.GetReportAsync();
        var daily = report.Windows.Single(w => w.Period.Window == BudgetWindow.Daily);
        Assert.That(daily.ByCategory.Single().Name, Is.EqualTo("summarize"));
        Assert.That(daily.ByAgent.Single().Name, Is.EqualTo("writer"));
    }

    [Test]
    public void GetResponseAsync_UnknownModel_FailsClosed()
    {
        using var client = Create();

        Assert.ThrowsAsync<UnknownModelPriceException>(() => client.GetResponseAsync(Prompt, new ChatOptions { ModelId = "mystery" }));
        Assert.That(_inner.Calls, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_ThrottleRuleTripped_WaitsForAdmission()
    {
        _ledger.ReplaceRules([new BudgetRule { Name = "hourly", Limit = 0.01m, Window = BudgetWindow.Hourly, Action = BudgetAction.Throttle }]);
        await _ledger.RecordAsync(ChatSpend, 0.01m);
        using var client = Create();

        var task = client.GetResponseAsync(Prompt);
        Assert.That(task.IsCompleted, Is.False);
        await _time.WaitForTimerAsync(due => due > TimeSpan.Zero && due <= CostOptions.DefaultThrottleInterval);
        _time.Advance(CostOptions.DefaultThrottleInterval);
        await task;

        Assert.That(_inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetStreamingResponseAsync_Completes_SettlesAtStreamedUsage()
    {
        _inner.Stream = _ =>
        [
            new ChatResponseUpdate(ChatRole.Assistant, "he"),
            new ChatResponseUpdate(ChatRole.Assistant, "llo"),
            new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 2_000, OutputTokenCount = 1_000 })] },
        ];
        using var client = Create();

        var text = string.Concat(await client.GetStreamingResponseAsync(Prompt).Select(u => u.Text).ToListAsync());

        Assert.That(text, Is.EqualTo("hello"));
        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo((2_000m * 15m + 1_000m * 60m) / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_FaultsBeforeFirstUpdate_ReleasesReservation()
    {
        _inner.Stream = _ => Faulty();
        using var client = Create();

        Assert.ThrowsAsync<IOException>(async () => await client.GetStreamingResponseAsync(Prompt).ToListAsync());

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero);

        static IEnumerable<ChatResponseUpdate> Faulty()
        {
            throw new IOException("connection refused");
#pragma warning disable CS0162 // Unreachable: the yield makes this an iterator that fails on its first MoveNext.
            yield break;
#pragma warning restore CS0162
        }
    }

    [Test]
    public async Task GetStreamingResponseAsync_FaultsAfterContent_SettlesTheEstimate()
    {
        _inner.Stream = _ => Faulty();
        using var client = Create();

        Assert.ThrowsAsync<IOException>(async () => await client.GetStreamingResponseAsync(Prompt, new ChatOptions { MaxOutputTokens = 1_000 }).ToListAsync());

        // The provider produced (and bills) tokens before the connection broke: charged, not released.
        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo((104m * 15m + 1_000m * 60m) / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);

        static IEnumerable<ChatResponseUpdate> Faulty()
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
            throw new IOException("connection reset");
        }
    }

    [Test]
    public async Task GetStreamingResponseAsync_CancelledAfterContent_SettlesUsageSeenSoFar()
    {
        using var cancel = new CancellationTokenSource();
        _inner.Stream = _ =>
        [
            new ChatResponseUpdate { Contents = [new TextContent("he"), new UsageContent(new UsageDetails { InputTokenCount = 2_000, OutputTokenCount = 10 })] },
            new ChatResponseUpdate(ChatRole.Assistant, "llo"),
        ];
        using var client = Create();

        Assert.CatchAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Prompt, cancellationToken: cancel.Token))
            {
                await cancel.CancelAsync();
            }
        });

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo((2_000m * 15m + 10m * 60m) / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_SettleFailsOnce_RetriesAndCommits()
    {
        var store = new FlakySpendStore(new MemorySpendStore()) { SettleFailures = 1 };
        _ledger.Dispose();
        _ledger = new SpendLedger(_options, store, _time);
        _inner.Respond = _ => FakeChatClient.WithUsage(1_000, 0);
        using var client = Create();

        await client.GetResponseAsync(Prompt);

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(store.SettleCalls, Is.EqualTo(2));
        Assert.That(status.Committed, Is.EqualTo(1_000m * 15m / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_SettleFailsEveryTime_AnswersAndStopsCountingTheReservation()
    {
        var store = new FlakySpendStore(new MemorySpendStore()) { SettleFailures = int.MaxValue };
        _ledger.Dispose();
        _ledger = new SpendLedger(_options, store, _time);
        _inner.Respond = _ => FakeChatClient.WithUsage(1_000, 0);
        using var client = Create();

        var response = await client.GetResponseAsync(Prompt);

        Assert.That(response.Text, Is.EqualTo("ok"), "the caller gets its answer");
        Assert.That(store.SettleCalls, Is.EqualTo(2));
        Assert.That(_ledger.LocalReserved, Is.Zero, "the reserved gauge does not keep an abandoned reservation");
    }

    [Test]
    public async Task GetResponseAsync_SettleFailsEveryTimeInAStoreThatMayKeepIt_LogDoesNotSayTheSpendIsLost()
    {
        // A store that throws after keeping the spend (RedisSpendStore.SettleAsync called by a store wrapping it):
        // the log said "the spend is not recorded" although the store would write it later.
        var store = new FlakySpendStore(new MemorySpendStore()) { SettleFailures = int.MaxValue, UnsavedSpend = 0.015m };
        _ledger.Dispose();
        _ledger = new SpendLedger(_options, store, _time);
        _inner.Respond = _ => FakeChatClient.WithUsage(1_000, 0);
        var logger = new FakeLogger<BudgetChatClient>();
        using var client = new BudgetChatClient(_inner, _ledger, new PriceCatalog(PriceCatalog.CreateSeedPrices()), _options, _limiter, _time, logger);

        await client.GetResponseAsync(Prompt);

        var last = logger.Collector.GetSnapshot().Last(r => r.Id.Id == 9);
        Assert.Multiple(() =>
        {
            Assert.That(last.Level, Is.EqualTo(LogLevel.Error));
            Assert.That(last.Message, Does.Contain("attempt 2 of 2"));
            Assert.That(last.Message, Does.Contain("counted only if the spend store kept it to write later"));
            Assert.That(last.Message, Does.Not.Contain("is not recorded"));
            Assert.That(last.GetStructuredStateValue("UnsavedSpend"), Is.EqualTo("0.015"));
            Assert.That(last.GetStructuredStateValue("Amount"), Is.EqualTo("0.015"), "1,000 input tokens at $15 per million");
            Assert.That(last.Message, Does.Not.Contain(Prompt[0].Text), "no prompt text in the log");
        });
    }

    [Test]
    public async Task GetResponseAsync_RateLimiterDisposed_StillSettles()
    {
        _inner.Respond = _ =>
        {
            _limiter.Dispose();
            return FakeChatClient.WithUsage(1_000, 0);
        };
        using var client = Create();

        await client.GetResponseAsync(Prompt);

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo(1_000m * 15m / 1_000_000m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task UseResourceKitBudget_InBuilderPipeline_Works()
    {
        using var provider = new ServiceCollection()
            .AddResourceKitCost(o => o.Store = SpendStoreKind.Memory)
            .BuildServiceProvider();
        _inner.Respond = _ => FakeChatClient.WithUsage(1_000_000, 0);
        using var client = new ChatClientBuilder(_inner).UseResourceKitBudget().Build(provider);

        await client.GetResponseAsync(Prompt);

        var ledger = provider.GetRequiredService<SpendLedger>();
        Assert.That((await ledger.GetReportAsync()).Windows[0].Committed, Is.EqualTo(15m));
    }

    private BudgetChatClient Create(IChatClient? inner = null, SpendLedger? ledger = null) =>
        new(inner ?? _inner, ledger ?? _ledger, new PriceCatalog(PriceCatalog.CreateSeedPrices()), _options, _limiter, _time);
}
