using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ResourceKit.Agents.Llm;

/// <summary>
/// Chat middleware that times each call to the client it wraps and records the duration in a
/// <see cref="ResponseTimeRecorder"/>. <c>AddResourceKitChatPipeline</c> puts it directly around the provider, so it
/// times each provider attempt: no cached answer, rate-limit or budget wait is counted.
/// </summary>
/// <remarks>
/// A call is recorded when it returns or fails; a streamed call when its stream ends or fails. A call cancelled by its
/// caller, and a stream its consumer stops reading early, are not recorded: neither says how long the provider takes.
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
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    _recorder.Record(_timeProvider.GetElapsedTime(started));
                    throw;
                }

                yield return updates.Current;
            }
        }

        _recorder.Record(_timeProvider.GetElapsedTime(started));
    }
}
