using System.Buffers;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Services;
using ResourceKit.Memory.ResourcePooling;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>
/// tts_processor (Normal, 100 ms): speaks one queued reply per tick on an engine borrowed from the TTS pool
/// (1–2 engines, seed preset), into a rented buffer so audio does not churn the large-object heap.
/// </summary>
internal sealed class TtsProcessorLoop(AgentMailbox mailbox, ResourcePool<ISpeechSynthesizer> engines) : IAgentLoop
{
    // Two seconds of 16 kHz, 16-bit mono audio: replies are truncated to what a notification should say aloud.
    private const int MaxAudioBytes = SimulatedExternalServices.SampleRate * 2 * 2;

    public long Utterances { get; private set; }

    public long AudioBytes { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        if (!mailbox.Speech.Reader.TryPeek(out _))
        {
            return;
        }

        // The reply is taken off the queue only once an engine is at hand: when every engine stays busy past the
        // timeout, it waits for the next tick instead of being lost with the timeout exception.
        await using var lease = await engines.AcquireAsync(TimeSpan.FromSeconds(1), cancellationToken);
        if (!mailbox.Speech.Reader.TryRead(out var text))
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxAudioBytes);
        try
        {
            AudioBytes += await lease.Resource.SynthesizeAsync(text[..Math.Min(text.Length, 32)], buffer.AsMemory(0, MaxAudioBytes), cancellationToken);
            Utterances++;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
