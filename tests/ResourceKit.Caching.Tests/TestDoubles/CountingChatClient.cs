using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>An inner chat client that answers "answer {n}" and counts how often it was really called.</summary>
internal sealed class CountingChatClient : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Gets or sets what <see cref="GetService"/> reports as the client's provider and model.</summary>
    public ChatClientMetadata? Metadata { get; set; }

    /// <summary>Gets or sets the server-side conversation id every response names (a stateful provider API).</summary>
    public string? ResponseConversationId { get; set; }

    /// <summary>Gets or sets a task every call waits for before it answers (and a stream before its first update); none when <see langword="null"/>.</summary>
    public Task? Gate { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var n = Interlocked.Increment(ref _calls);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, $"answer {n}")) { ModelId = options?.ModelId, ConversationId = ResponseConversationId };
        return Gate is { } gate ? AfterGate(gate, response) : Task.FromResult(response);

        static async Task<ChatResponse> AfterGate(Task gate, ChatResponse response)
        {
            await gate;
            return response;
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var n = Interlocked.Increment(ref _calls);
        if (Gate is { } gate)
        {
            await gate;
        }

        foreach (var part in new[] { "streamed ", "answer ", n.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, part) { MessageId = "m1", ConversationId = ResponseConversationId };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? Metadata : null;

    public void Dispose()
    {
    }
}
