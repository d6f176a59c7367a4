using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Tests.TestSupport;
using ResourceKit.Agents.Simulation;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class ConversationManagerLoopTests
{
    private static readonly SpendAttribution Conversation = new("conversation", string.Empty, "conversation_manager");
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("rk-agenthost-conversation-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task ExecuteAsync_NormalLoad_AnswersTwelveTurnsRecordsTheirSpendAndQueuesEachReplyToSpeak()
    {
        await using var host = CreateHost();
        var loop = host.Services.GetRequiredService<ConversationManagerLoop>();
        var provider = host.Services.GetRequiredService<SimulatedChatClient>();

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Turns, Is.EqualTo(12));
        Assert.That(loop.Refused, Is.Zero);
        Assert.That(provider.CallCount, Is.InRange(1, 12));
        var hourly = (await host.Services.GetRequiredService<SpendLedger>().GetStatusAsync(Conversation)).Single(r => r.RuleName == "hourly_limit");
        Assert.That(hourly.Committed, Is.GreaterThan(0m), "the provider calls were charged to the ledger");
        Assert.That(hourly.Reserved, Is.Zero, "every reservation was settled");
        var spoken = Drain(host.Services.GetRequiredService<AgentMailbox>());
        Assert.That(spoken, Has.Count.EqualTo(12));
        Assert.That(spoken, Has.All.Length.InRange(1, 200));
    }

    [Test]
    public async Task ExecuteAsync_RecurringQuestions_AreAnsweredFromTheCacheWithoutAProviderCall()
    {
        await using var host = CreateHost();
        var loop = host.Services.GetRequiredService<ConversationManagerLoop>();
        var provider = host.Services.GetRequiredService<SimulatedChatClient>();

        for (var tick = 0; tick < 5; tick++)
        {
            await loop.ExecuteAsync(CancellationToken.None);
        }

        // The same seed asks the same questions: the provider is called at most once for each distinct one.
        var sameQuestions = new ConversationWorkload(LoadLevel.Normal);
        var distinct = Enumerable.Range(0, 60).Select(_ => sameQuestions.NextTurn().Messages[^1].Text).Distinct().Count();
        Assert.That(loop.Turns, Is.EqualTo(60));
        Assert.That(distinct, Is.LessThan(40), "most of the Zipf-distributed questions repeat");
        Assert.That(provider.CallCount, Is.LessThanOrEqualTo(distinct));
    }

    [Test]
    public async Task ExecuteAsync_DailyBudgetSpent_RefusesEveryTurnWithoutCallingTheProvider()
    {
        await using var host = CreateHost();
        await host.Services.GetRequiredService<SpendLedger>().RecordAsync(Conversation, 60m);
        var loop = host.Services.GetRequiredService<ConversationManagerLoop>();

        Assert.That(async () => await loop.ExecuteAsync(CancellationToken.None), Throws.Nothing);

        Assert.That(loop.Refused, Is.EqualTo(12));
        Assert.That(loop.Turns, Is.Zero);
        Assert.That(host.Services.GetRequiredService<SimulatedChatClient>().CallCount, Is.Zero);
        Assert.That(Drain(host.Services.GetRequiredService<AgentMailbox>()), Is.Empty);
    }

    [Test]
    public async Task ExecuteAsync_OneTurnFails_TheOtherTurnsAreAnsweredAndTheFailureCounted()
    {
        // Before: the first failure cancelled the tick's other turns and failed the whole tick.
        var mailbox = new AgentMailbox();
        var chat = new FailingOnceChatClient();
        var loop = new ConversationManagerLoop(chat, new ConversationWorkload(LoadLevel.Normal), mailbox, NullLogger<ConversationManagerLoop>.Instance);

        Assert.That(async () => await loop.ExecuteAsync(CancellationToken.None), Throws.Nothing);

        Assert.That(loop.Failed, Is.EqualTo(1));
        Assert.That(loop.Turns, Is.EqualTo(11));
        Assert.That(chat.Calls, Is.EqualTo(12));
        Assert.That(Drain(mailbox), Has.Count.EqualTo(11));
    }

    private static List<string> Drain(AgentMailbox mailbox)
    {
        var spoken = new List<string>();
        while (mailbox.Speech.Reader.TryRead(out var text))
        {
            spoken.Add(text);
        }

        return spoken;
    }

    /// <summary>A provider whose first call fails (503) and which answers every other at once.</summary>
    private sealed class FailingOnceChatClient : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new HttpRequestException("The provider is down (503).")
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    // The simulated model answers at once: its latency runs on the fake clock, which nothing advances here.
    private SampleHost CreateHost() => SampleHost.CreateWith(_folder, services =>
    {
        services.AddSingleton<Cost.Ledger.ISpendStore>(new FlakySpendStore());
        services.AddSingleton(sp => new SimulatedChatClient(
            new SimulatedChatClientOptions { TimeToFirstToken = TimeSpan.Zero, TimePerOutputToken = TimeSpan.Zero },
            sp.GetRequiredService<TimeProvider>()));
    });
}
