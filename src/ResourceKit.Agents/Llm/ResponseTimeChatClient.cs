using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ResourceKit.Agents.Llm;

/// <summary>
/// Chat middleware that times each call to the client it wraps and records the duration in a
/// <see cref="ResponseTimeRecorder"/>. <c>AddResourceKitChatPipeline</c> puts it directly around the provider, so it
/// times each provider attempt: no cached answer, rate-limit or budget wait is counted.
/// </summary>
/// <remarks>
/// <para>
/// A call is recorded when it returns or fails. A call cancelled by its caller is not recorded: it says nothing of how
/// long the provider takes.
/// </para>
/// <para>
/// A streamed call is recorded when its first update arrives: the time to first update is the latency the seed's
/// 2/5/10 s thresholds judge. The rest of the stream is not counted, because its length follows the length of the
/// answer (1,500 tokens at 50 tokens a second take 30 s) and includes the time the consumer spends on each update
/// before asking for the next. A stream that fails, or ends, before its first update is recorded with the time until
/// then; one cancelled by its caller before its first update is not recorded.
/// </para>
/// </remarks>
public sealed class ResponseTimeChatClient : DelegatingChatClient
{
    private readonly ResponseTimeRecorder _recorder;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="ResponseTimeChatClient"/> class.</summary>
    /// <param name="innerClient">The client to time, usually the provider.</param>
    /// <param name="recorder">Where durations are recorded.</param>
    /// <param name="timeProvider">The time provider; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public ResponseTimeChatClient(IChatClient innerClient, ResponseTimeRecorder recorder, TimeProvider? timeProvider = null)
        : base(innerClient)
    {
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = _timeProvider.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            _recorder.Record(_timeProvider.GetElapsedTime(started));
            return response;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _recorder.Record(_timeProvider.GetElapsedTime(started));
            throw;
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = _timeProvider.GetTimestamp();
        var recorded = false;
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (Exception) when (!recorded && !cancellationToken.IsCancellationRequested)
                {
                    _recorder.Record(_timeProvider.GetElapsedTime(started));
                    throw;
                }

                // Recorded before the update is handed over: from here on the stream's time is the answer's length and
                // the consumer's work, neither of which is the provider's latency.
                if (!recorded)
                {
                    recorded = true;
                    _recorder.Record(_timeProvider.GetElapsedTime(started));
                }

                yield return updates.Current;
            }
        }

        if (!recorded)
        {
            _recorder.Record(_timeProvider.GetElapsedTime(started));
        }
    }
}
