using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Llm;
using ResourceKit.Agents.Monitoring;

namespace ResourceKit.Agents.Tests.Llm;

public sealed class ResponseTimeChatClientTests
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Summarize my inbox.")];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task GetResponseAsync_RecordsHowLongTheInnerClientTook()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(3)), recorder, _time);

        await client.GetResponseAsync(Messages);

        Assert.That(await ReadAsync(recorder), Is.EqualTo(3));
    }

    [Test]
    public async Task GetResponseAsync_InnerFails_RecordsTheTimeUntilTheFailure()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(12)) { Fail = true }, recorder, _time);

        Assert.ThrowsAsync<TimeoutException>(async () => await client.GetResponseAsync(Messages));
        Assert.That(await ReadAsync(recorder), Is.EqualTo(12));
    }

    [Test]
    public async Task GetResponseAsync_CancelledByTheCaller_IsNotRecorded()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(2)), recorder, _time);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(async () => await client.GetResponseAsync(Messages, cancellationToken: cancellation.Token));
        Assert.That(await ReadAsync(recorder), Is.Null);
    }

    [Test]
    public async Task GetStreamingResponseAsync_RecordsUntilTheStreamEnds_NotWhenAbandoned()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(2)), recorder, _time);

        await foreach (var update in client.GetStreamingResponseAsync(Messages).Take(1))
        {
            Assert.That(update.Text, Is.Not.Empty);
        }

        var afterAbandoned = await ReadAsync(recorder);
        var updates = await client.GetStreamingResponseAsync(Messages).CountAsync();
        var afterComplete = await ReadAsync(recorder);

        Assert.Multiple(() =>
        {
            Assert.That(afterAbandoned, Is.Null, "a stream its consumer stopped reading says nothing of the provider");
            Assert.That(updates, Is.EqualTo(3));
            Assert.That(afterComplete, Is.EqualTo(6), "three updates of 2 s each");
        });
    }

    private static async ValueTask<double?> ReadAsync(ResponseTimeRecorder recorder)
    {
        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);
        return readings.Count == 0 ? null : readings.Single().Value;
    }

    /// <summary>Takes <c>delay</c> of fake time per response (per update when streaming, three updates).</summary>
    private sealed class SlowChatClient(FakeTimeProvider time, TimeSpan delay) : IChatClient
    {
        public bool Fail { get; init; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            time.Advance(delay);
            return Fail
                ? throw new TimeoutException("provider timed out")
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Three new messages.")));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < 3; i++)
            {
                await Task.Yield();
                time.Advance(delay);
                yield return new ChatResponseUpdate(ChatRole.Assistant, $"part {i} ");
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
