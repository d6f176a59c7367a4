using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Services;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class SttProcessorLoopTests
{
    [Test]
    public async Task ExecuteAsync_EveryTick_AnalysesOneHundredMillisecondsAndForwardsOnlySpeech()
    {
        var recognizer = new ScriptedRecognizer("turn on the lights", null, "what's next");
        var mailbox = new AgentMailbox();
        var loop = new SttProcessorLoop(new SimulatedExternalServices(new FakeTimeProvider()), recognizer, mailbox);

        for (var tick = 0; tick < 3; tick++)
        {
            await loop.ExecuteAsync(CancellationToken.None);
        }

        Assert.That(recognizer.FrameBytes, Is.EqualTo(new[] { 3_200, 3_200, 3_200 }), "100 ms of 16 kHz 16-bit mono");
        Assert.That(loop.Frames, Is.EqualTo(3));
        Assert.That(loop.Recognized, Is.EqualTo(2));
        var forwarded = new List<string>();
        while (mailbox.UserInput.Reader.TryRead(out var text))
        {
            forwarded.Add(text);
        }

        Assert.That(forwarded, Is.EqualTo(new[] { "turn on the lights", "what's next" }));
    }

    [Test]
    public async Task ExecuteAsync_WithTheSimulatedRecognizer_ForwardsWhatItHears()
    {
        // The simulated microphone speaks in about one frame in five; the recognizer detects it by signal energy.
        var services = new SimulatedExternalServices(new FakeTimeProvider());
        var mailbox = new AgentMailbox();
        var loop = new SttProcessorLoop(services, services, mailbox);

        for (var tick = 0; tick < 50; tick++)
        {
            await loop.ExecuteAsync(CancellationToken.None);
        }

        Assert.That(loop.Frames, Is.EqualTo(50));
        Assert.That(loop.Recognized, Is.InRange(1, 49));
        var forwarded = 0;
        while (mailbox.UserInput.Reader.TryRead(out var text))
        {
            forwarded++;
            Assert.That(text, Is.EqualTo("heard 1600 samples"));
        }

        Assert.That(forwarded, Is.EqualTo(loop.Recognized));
    }

    private sealed class ScriptedRecognizer(params string?[] results) : ISpeechRecognizer
    {
        private int _next;

        public List<int> FrameBytes { get; } = [];

        public ValueTask<string?> RecognizeAsync(ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken)
        {
            FrameBytes.Add(pcm.Length);
            return ValueTask.FromResult(results[_next++]);
        }
    }
}
