using System.Buffers;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Services;
using ResourceKit.Scheduling;

namespace ResourceKit.AgentHost.Loops;

/// <summary>stt_processor (Normal, 100 ms): analyses the last 100 ms of microphone audio and forwards speech as user input.</summary>
internal sealed class SttProcessorLoop(SimulatedExternalServices microphone, ISpeechRecognizer recognizer, AgentMailbox mailbox) : IAgentLoop
{
    private const int FrameBytes = SimulatedExternalServices.SampleRate * 2 / 10;

    public long Frames { get; private set; }

    public long Recognized { get; private set; }

    public async ValueTask ExecuteAsync(CancellationToken cancellationToken)
    {
        var frame = ArrayPool<byte>.Shared.Rent(FrameBytes);
        try
        {
            microphone.CaptureMicrophone(frame.AsSpan(0, FrameBytes));
            Frames++;
            if (await recognizer.RecognizeAsync(frame.AsMemory(0, FrameBytes), cancellationToken) is { } text)
            {
                Recognized++;
                mailbox.UserInput.Writer.TryWrite(text);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
