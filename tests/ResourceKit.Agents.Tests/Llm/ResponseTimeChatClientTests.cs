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
    public async Task GetStreamingResponseAsync_RecordsTheTimeToTheFirstUpdate()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(2)), recorder, _time);

        var updates = await client.GetStreamingResponseAsync(Messages).CountAsync();
        var reading = await ReadAsync(recorder);

        Assert.Multiple(() =>
        {
            Assert.That(updates, Is.EqualTo(3));
            Assert.That(reading, Is.EqualTo(2), "the first of three updates of 2 s each, recorded once");
        });
    }

    [Test]
    public async Task GetStreamingResponseAsync_SlowConsumerAndLongAnswer_AreNotCounted()
    {
        // A long answer streamed at a steady pace to a consumer that works on each update: the provider answered in
        // 1 s, and neither the 29 further updates nor the consumer's 5 s per update say otherwise.
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(1)) { Updates = 30 }, recorder, _time);

        await foreach (var update in client.GetStreamingResponseAsync(Messages))
        {
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.That(await ReadAsync(recorder), Is.EqualTo(1));
    }

    [Test]
    public async Task GetStreamingResponseAsync_AbandonedAfterTheFirstUpdate_IsRecorded()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(2)), recorder, _time);

        await foreach (var update in client.GetStreamingResponseAsync(Messages).Take(1))
        {
            Assert.That(update.Text, Is.Not.Empty);
        }

        Assert.That(await ReadAsync(recorder), Is.EqualTo(2));
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsBeforeTheFirstUpdate_RecordsTheTimeUntilTheFailure()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(12)) { Updates = 0, Fail = true }, recorder, _time);

        Assert.ThrowsAsync<TimeoutException>(async () => await client.GetStreamingResponseAsync(Messages).CountAsync());
        Assert.That(await ReadAsync(recorder), Is.EqualTo(12));
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsAfterTheFirstUpdate_RecordsOnlyTheFirstUpdate()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(3)) { Updates = 2, Fail = true }, recorder, _time);

        Assert.ThrowsAsync<TimeoutException>(async () => await client.GetStreamingResponseAsync(Messages).CountAsync());
        Assert.That(await ReadAsync(recorder), Is.EqualTo(3));
    }

    [Test]
    public async Task GetStreamingResponseAsync_EndsWithoutAnUpdate_RecordsTheTimeUntilTheEnd()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(4)) { Updates = 0 }, recorder, _time);

        Assert.That(await client.GetStreamingResponseAsync(Messages).CountAsync(), Is.Zero);
        Assert.That(await ReadAsync(recorder), Is.EqualTo(4));
    }

    [Test]
    public async Task GetStreamingResponseAsync_CancelledByTheCallerBeforeTheFirstUpdate_IsNotRecorded()
    {
        var recorder = new ResponseTimeRecorder(_time);
        using var client = new ResponseTimeChatClient(new SlowChatClient(_time, TimeSpan.FromSeconds(2)), recorder, _time);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(async () => await client.GetStreamingResponseAsync(Messages, cancellationToken: cancellation.Token).CountAsync());
        Assert.That(await ReadAsync(recorder), Is.Null);
    }

    private static async ValueTask<double?> ReadAsync(ResponseTimeRecorder recorder)
    {
        var readings = new List<MetricReading>();
        await recorder.CollectAsync(readings);
        return readings.Count == 0 ? null : readings.Single().Value;
    }

    /// <summary>
    /// Takes <c>delay</c> of fake time per response; when streaming, per update (<see cref="Updates"/> of them), and
    /// when <see cref="Fail"/>, fails after them (taking <c>delay</c> when there are none).
    /// </summary>
    private sealed class SlowChatClient(FakeTimeProvider time, TimeSpan delay) : IChatClient
    {
        public bool Fail { get; init; }

        public int Updates { get; init; } = 3;

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
            for (var i = 0; i < Updates; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
                time.Advance(delay);
                yield return new ChatResponseUpdate(ChatRole.Assistant, $"part {i} ");
            }

            if (Updates == 0)
            {
                await Task.Yield();
                time.Advance(delay);
            }

            if (Fail)
            {
                throw new TimeoutException("provider timed out");
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
