using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ResourceKit.Cost.Tests.Chat;

/// <summary>An inner chat client whose answers the test scripts.</summary>
internal sealed class FakeChatClient(string provider = "openai", string model = "gpt-4o") : IChatClient
{
    private readonly ChatClientMetadata _metadata = new(provider, null, model);

    public Func<int, ChatResponse> Respond { get; set; } = _ => new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"));

    public Func<int, IEnumerable<ChatResponseUpdate>> Stream { get; set; } = _ => [new ChatResponseUpdate(ChatRole.Assistant, "ok")];

    /// <summary>Gets or sets an answer the test completes when it likes; overrides <see cref="Respond"/>.</summary>
    public Func<int, Task<ChatResponse>>? RespondAsync { get; set; }

    /// <summary>Gets or sets a stream the test paces; overrides <see cref="Stream"/>.</summary>
    public Func<int, IAsyncEnumerable<ChatResponseUpdate>>? StreamAsync { get; set; }

    public int Calls { get; private set; }

    public ChatOptions? LastOptions { get; private set; }

    public static ChatResponse WithUsage(long input, long output, long cached = 0) =>
        new(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, CachedInputTokenCount = cached },
        };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        LastOptions = options;
        return RespondAsync is { } respond ? respond(++Calls) : Task.FromResult(Respond(++Calls));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (StreamAsync is { } stream)
        {
            await foreach (var update in stream(++Calls).WithCancellation(cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        foreach (var update in Stream(++Calls))
        {
            // A real provider's stream observes the token between updates.
            cancellationToken.ThrowIfCancellationRequested();
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? _metadata : null;

    public void Dispose()
    {
    }
}
