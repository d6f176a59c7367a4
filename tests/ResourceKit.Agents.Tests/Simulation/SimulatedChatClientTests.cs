using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Simulation;

namespace ResourceKit.Agents.Tests.Simulation;

public sealed class SimulatedChatClientTests
{
    private static readonly SimulatedChatClientOptions NoLatency = new() { TimeToFirstToken = TimeSpan.Zero, TimePerOutputToken = TimeSpan.Zero };

    [Test]
    public async Task GetResponseAsync_SameConversation_SameAnswerAndUsage()
    {
        using var client = new SimulatedChatClient(NoLatency);
        ChatMessage[] messages = [new(ChatRole.System, "You are a helpful agent."), new(ChatRole.User, "Summarize my inbox")];

        var first = await client.GetResponseAsync(messages);
        var second = await client.GetResponseAsync(messages);
        var other = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Something else entirely")]);

        Assert.Multiple(() =>
        {
            Assert.That(second.Text, Is.EqualTo(first.Text));
            Assert.That(second.Usage!.OutputTokenCount, Is.EqualTo(first.Usage!.OutputTokenCount));
            Assert.That(other.Text, Is.Not.EqualTo(first.Text));
            Assert.That(first.Usage.InputTokenCount, Is.EqualTo(SimulatedChatClient.EstimateTokens("You are a helpful agent.") + SimulatedChatClient.EstimateTokens("Summarize my inbox") + 8));
            Assert.That(first.Usage.OutputTokenCount, Is.InRange(80, 600));
            Assert.That(first.ModelId, Is.EqualTo(SimulatedChatClientOptions.DefaultModelId));
            Assert.That(client.CallCount, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task GetResponseAsync_MaxOutputTokens_CapsUsage()
    {
        using var client = new SimulatedChatClient(NoLatency);

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 10, ModelId = "gpt-4o" });

        Assert.That(response.Usage!.OutputTokenCount, Is.LessThanOrEqualTo(10));
        Assert.That(response.ModelId, Is.EqualTo("gpt-4o"));
    }

    [Test]
    public async Task GetResponseAsync_Latency_ComesFromTimeProvider()
    {
        var time = new FakeTimeProvider();
        var options = new SimulatedChatClientOptions { TimeToFirstToken = TimeSpan.FromMilliseconds(100), TimePerOutputToken = TimeSpan.FromMilliseconds(1), MinOutputTokens = 100, MaxOutputTokens = 100 };
        using var client = new SimulatedChatClient(options, time);

        var pending = client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")]);
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.That(pending.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(1));

        var response = await pending;
        Assert.That(response.Usage!.OutputTokenCount, Is.EqualTo(100));
    }

    [Test]
    public async Task GetStreamingResponseAsync_EndsWithUsage_AndMatchesNonStreamingText()
    {
        using var client = new SimulatedChatClient(NoLatency);
        ChatMessage[] messages = [new(ChatRole.User, "Draft a reply to Alice")];

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages))
        {
            updates.Add(update);
        }

        var streamed = updates.ToChatResponse();
        var whole = await client.GetResponseAsync(messages);
        Assert.That(streamed.Text, Is.EqualTo(whole.Text));
        Assert.That(streamed.Usage!.OutputTokenCount, Is.EqualTo(whole.Usage!.OutputTokenCount));
    }

    [Test]
    public void GetResponseAsync_FailureRateOne_ThrowsTransientHttpError()
    {
        using var client = new SimulatedChatClient(new SimulatedChatClientOptions { TransientFailureRate = 1, TimeToFirstToken = TimeSpan.Zero });

        Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
    }

    [Test]
    public void BadInput_IsRejected()
    {
        using var client = new SimulatedChatClient(NoLatency);

        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([]));
            Assert.Throws<ArgumentException>(() => _ = new SimulatedChatClient(new SimulatedChatClientOptions { MinOutputTokens = 10, MaxOutputTokens = 5 }));
            Assert.Throws<ArgumentException>(() => _ = new SimulatedChatClient(new SimulatedChatClientOptions { TimeToFirstToken = TimeSpan.FromSeconds(-1) }));
        });
    }

    [Test]
    public void GetService_ReturnsMetadataAndSelf()
    {
        using var client = new SimulatedChatClient();

        Assert.That(client.GetService<ChatClientMetadata>()!.DefaultModelId, Is.EqualTo(SimulatedChatClientOptions.DefaultModelId));
        Assert.That(client.GetService<SimulatedChatClient>(), Is.SameAs(client));
        Assert.That(client.GetService(typeof(string)), Is.Null);
    }
}
