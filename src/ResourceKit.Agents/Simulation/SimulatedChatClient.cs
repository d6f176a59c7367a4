using System.IO.Hashing;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace ResourceKit.Agents.Simulation;

/// <summary>
/// A deterministic, local <see cref="IChatClient"/> that answers like an LLM provider: the same conversation always
/// gets the same answer, token counts are realistic (about four characters per token, 80–600 output tokens) and
/// latency follows time-to-first-token plus a per-token cost on the injected <see cref="TimeProvider"/>. It lets a
/// host exercise caching, budgets and rate limits without paying for calls.
/// </summary>
public sealed class SimulatedChatClient : IChatClient
{
    private static readonly string[] Vocabulary =
    [
        "the", "agent", "schedule", "meeting", "email", "summary", "task", "update", "reply", "calendar", "priority",
        "follow", "up", "today", "tomorrow", "draft", "review", "notes", "call", "reminder", "project", "status",
        "budget", "report", "customer", "team", "deadline", "and", "with", "for", "next", "week", "confirmed",
    ];

    private readonly SimulatedChatClientOptions _options;
    private readonly TimeProvider _timeProvider;
    private long _calls;

    /// <summary>Initializes a new instance of the <see cref="SimulatedChatClient"/> class.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The time provider used for latency; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SimulatedChatClient(SimulatedChatClientOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new SimulatedChatClientOptions();
        if (_options.MinOutputTokens < 1 || _options.MaxOutputTokens < _options.MinOutputTokens)
        {
            throw new ArgumentException($"Output tokens must satisfy 1 <= MinOutputTokens ({_options.MinOutputTokens}) <= MaxOutputTokens ({_options.MaxOutputTokens}).", nameof(options));
        }

        if (_options.TimeToFirstToken < TimeSpan.Zero || _options.TimePerOutputToken < TimeSpan.Zero)
        {
            throw new ArgumentException("Latencies must not be negative.", nameof(options));
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets how many calls reached this client (cached responses never do).</summary>
    public long CallCount => Interlocked.Read(ref _calls);

    /// <summary>Estimates the tokens of a text the way the simulation counts them: about four characters per token.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The estimated token count.</returns>
    public static int EstimateTokens(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, (text.Length + 3) / 4);

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan(messages, options);
        await Task.Delay(plan.Latency, _timeProvider, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, plan.Text))
        {
            ModelId = plan.ModelId,
            ResponseId = plan.ResponseId,
            FinishReason = ChatFinishReason.Stop,
            Usage = plan.Usage,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var plan = Plan(messages, options);
        await Task.Delay(_options.TimeToFirstToken, _timeProvider, cancellationToken).ConfigureAwait(false);
        var words = plan.Text.Split(' ');
        const int WordsPerChunk = 16;
        for (var i = 0; i < words.Length; i += WordsPerChunk)
        {
            var chunk = string.Join(' ', words.Skip(i).Take(WordsPerChunk)) + (i + WordsPerChunk < words.Length ? " " : string.Empty);
            await Task.Delay(_options.TimePerOutputToken * WordsPerChunk, _timeProvider, cancellationToken).ConfigureAwait(false);
            yield return new ChatResponseUpdate(ChatRole.Assistant, chunk) { ModelId = plan.ModelId, ResponseId = plan.ResponseId };
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ModelId = plan.ModelId,
            ResponseId = plan.ResponseId,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(plan.Usage)],
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return new ChatClientMetadata("resourcekit-simulated", defaultModelId: _options.ModelId);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing to release: the simulation holds no connections.
    }

    private ResponsePlan Plan(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        if (list.Count == 0)
        {
            throw new ArgumentException("A chat request needs at least one message.", nameof(messages));
        }

        var call = Interlocked.Increment(ref _calls);
        var model = options?.ModelId ?? _options.ModelId;
        var transcript = new StringBuilder(model);
        var inputTokens = 0L;
        foreach (var message in list)
        {
            transcript.Append('\u001f').Append(message.Role.Value).Append('\u001e').Append(message.Text);
            inputTokens += EstimateTokens(message.Text) + 4; // per-message framing, as providers count it
        }

        var seed = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(transcript.ToString()));
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        if (_options.TransientFailureRate > 0 && FailureDraw(seed, call) < _options.TransientFailureRate)
        {
            throw new HttpRequestException("Simulated transient provider failure (503).", null, HttpStatusCode.ServiceUnavailable);
        }

        var outputTokens = random.Next(_options.MinOutputTokens, _options.MaxOutputTokens + 1);
        if (options?.MaxOutputTokens is int cap && cap > 0)
        {
            outputTokens = Math.Min(outputTokens, cap);
        }

        // About 1.3 tokens per word, so the text has roughly the token count reported.
        var words = Math.Max(1, (int)(outputTokens / 1.3));
        var text = new StringBuilder(words * 7);
        for (var i = 0; i < words; i++)
        {
            text.Append(i == 0 ? string.Empty : " ").Append(Vocabulary[random.Next(Vocabulary.Length)]);
        }

        text.Append('.');
        var usage = new UsageDetails
        {
            InputTokenCount = inputTokens,
            OutputTokenCount = outputTokens,
            TotalTokenCount = inputTokens + outputTokens,
        };
        var latency = _options.TimeToFirstToken + (_options.TimePerOutputToken * outputTokens);
        return new ResponsePlan(model, $"sim-{seed:x16}", text.ToString(), usage, latency);
    }

    // Failures depend on the call number too, so a retry of the same request can succeed.
    private static double FailureDraw(ulong seed, long call) =>
        (XxHash3.HashToUInt64(BitConverter.GetBytes(seed ^ (ulong)call)) >> 11) * (1.0 / (1UL << 53));

    private sealed record ResponsePlan(string ModelId, string ResponseId, string Text, UsageDetails Usage, TimeSpan Latency);
}
