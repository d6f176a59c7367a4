using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Conversation;
using ResourceKit.AgentHost.Loops;
using ResourceKit.AgentHost.Services;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.AgentHost.Tests.Loops;

public sealed class TtsProcessorLoopTests
{
    [Test]
    public async Task ExecuteAsync_RepliesQueued_SpeaksOnePerTickTruncatedToThirtyTwoCharacters()
    {
        var engine = new RecordingSynthesizer();
        await using var engines = Pool(engine);
        var mailbox = new AgentMailbox();
        var loop = new TtsProcessorLoop(mailbox, engines);
        mailbox.Speech.Writer.TryWrite("Your first meeting tomorrow is at nine with the design team.");
        mailbox.Speech.Writer.TryWrite("Done.");

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(engine.Spoken, Is.EqualTo(new[] { "Your first meeting tomorrow is a" }));
        Assert.That(engine.DestinationBytes, Is.EqualTo(new[] { 64_000 }), "two seconds of 16 kHz 16-bit audio at most");
        Assert.That(loop.Utterances, Is.EqualTo(1));
        Assert.That(loop.AudioBytes, Is.EqualTo(32 * 100));

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(engine.Spoken, Is.EqualTo(new[] { "Your first meeting tomorrow is a", "Done." }));
        Assert.That(loop.Utterances, Is.EqualTo(2));
        Assert.That(loop.AudioBytes, Is.EqualTo((32 + 5) * 100));
        Assert.That(engines.Statistics.InUse, Is.Zero, "the engine goes back to the pool after each reply");
    }

    [Test]
    public async Task ExecuteAsync_NothingToSay_BorrowsNoEngine()
    {
        await using var engines = Pool(new RecordingSynthesizer());
        var loop = new TtsProcessorLoop(new AgentMailbox(), engines);

        await loop.ExecuteAsync(CancellationToken.None);

        Assert.That(loop.Utterances, Is.Zero);
        Assert.That(engines.Statistics.Acquired, Is.Zero);
    }

    [Test]
    public async Task ExecuteAsync_EngineFails_TheReplyIsNotCountedAndTheEngineIsReturned()
    {
        var engine = new RecordingSynthesizer { Fail = true };
        await using var engines = Pool(engine);
        var mailbox = new AgentMailbox();
        var loop = new TtsProcessorLoop(mailbox, engines);
        mailbox.Speech.Writer.TryWrite("hello");

        Assert.That(async () => await loop.ExecuteAsync(CancellationToken.None), Throws.InvalidOperationException);

        Assert.That(loop.Utterances, Is.Zero);
        Assert.That(loop.AudioBytes, Is.Zero);
        Assert.That(engines.Statistics.InUse, Is.Zero);
    }

    [Test]
    public async Task ExecuteAsync_EveryEngineBusyPastTheTimeout_LeavesTheReplyQueuedForTheNextTick()
    {
        // Before: the reply was taken off the queue first and lost with the timeout.
        var time = new FakeTimeProvider();
        var engine = new RecordingSynthesizer();
        await using var engines = Pool(engine, time);
        var mailbox = new AgentMailbox();
        var loop = new TtsProcessorLoop(mailbox, engines);
        mailbox.Speech.Writer.TryWrite("hello");
        var busy = new[] { await engines.AcquireAsync(), await engines.AcquireAsync() }; // the pool's two engines
        try
        {
            var tick = loop.ExecuteAsync(CancellationToken.None).AsTask();
            Assert.That(tick.IsCompleted, Is.False, "waiting for an engine");
            time.Advance(TimeSpan.FromSeconds(1));

            Assert.That(async () => await tick, Throws.InstanceOf<ResourcePoolTimeoutException>());
            Assert.That(mailbox.Speech.Reader.TryPeek(out var queued), Is.True);
            Assert.That(queued, Is.EqualTo("hello"));
        }
        finally
        {
            // Returned even when an assertion fails: disposing the pool waits for its leases.
            foreach (var lease in busy)
            {
                await lease.DisposeAsync();
            }
        }

        await loop.ExecuteAsync(CancellationToken.None);
        Assert.That(engine.Spoken, Is.EqualTo(new[] { "hello" }));
    }

    private static ResourcePool<ISpeechSynthesizer> Pool(ISpeechSynthesizer engine, TimeProvider? time = null) =>
        new(ResourcePoolPresets.TextToSpeech(), _ => ValueTask.FromResult(engine), timeProvider: time ?? new FakeTimeProvider());

    private sealed class RecordingSynthesizer : ISpeechSynthesizer
    {
        public List<string> Spoken { get; } = [];

        public List<int> DestinationBytes { get; } = [];

        public bool Fail { get; set; }

        public ValueTask<int> SynthesizeAsync(string text, Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new InvalidOperationException("The TTS engine crashed.");
            }

            Spoken.Add(text);
            DestinationBytes.Add(destination.Length);
            return ValueTask.FromResult(text.Length * 100);
        }
    }
}
