using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ResourceKit.AgentHost.Services;

/// <summary>
/// Local stand-ins for Gmail, the browser, TTS/STT and Twilio. They are deterministic (seeded) and do work of the
/// size the real services cause in the host: kilobytes of mail bodies, hundreds of kilobytes of HTML, PCM synthesis
/// and signal-energy analysis, so the loops exercise memory, CPU and the caches realistically.
/// </summary>
internal sealed class SimulatedExternalServices(TimeProvider timeProvider, int seed = 42)
    : IMailboxClient, IBrowserSession, ISpeechSynthesizer, ISpeechRecognizer, ITelephonyGateway
{
    /// <summary>16 kHz, 16-bit mono.</summary>
    public const int SampleRate = 16_000;

    private static readonly string[] Senders = ["alice@example.com", "bob@example.com", "billing@example.net", "news@example.org", "calendar@example.com"];
    private static readonly string[] Subjects = ["Meeting moved", "Invoice", "Weekly digest", "Quick question", "Your order shipped", "Reminder"];
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private long _ids;

    public ValueTask<IReadOnlyList<MailMessage>> FetchNewAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var count = _random.Next(0, 6);
            var messages = new List<MailMessage>(count);
            for (var i = 0; i < count; i++)
            {
                var body = Words(_random.Next(200, 3_000));
                messages.Add(new MailMessage($"m{Interlocked.Increment(ref _ids)}", Senders[_random.Next(Senders.Length)], Subjects[_random.Next(Subjects.Length)], body, timeProvider.GetUtcNow()));
            }

            return ValueTask.FromResult<IReadOnlyList<MailMessage>>(messages);
        }
    }

    public ValueTask<PageSnapshot> CaptureAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        string html;
        lock (_gate)
        {
            var paragraphs = _random.Next(100, 600);
            var builder = new StringBuilder("<html><body>");
            for (var i = 0; i < paragraphs; i++)
            {
                builder.Append("<p>").Append(Words(40)).Append("</p>");
            }

            html = builder.Append("</body></html>").ToString();
        }

        return ValueTask.FromResult(new PageSnapshot(url, html, timeProvider.GetUtcNow()));
    }

    public ValueTask<int> SynthesizeAsync(string text, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);

        // About 60 ms of audio per character, as a sum of two tones per character: real CPU work per sample.
        var samples = Math.Min(destination.Length / 2, text.Length * SampleRate * 60 / 1000);
        var span = destination.Span;
        for (var i = 0; i < samples; i++)
        {
            var c = text[i * text.Length / Math.Max(1, samples)];
            var t = (double)i / SampleRate;
            var value = (0.5 * Math.Sin(2 * Math.PI * (200 + (c % 64) * 10) * t)) + (0.25 * Math.Sin(2 * Math.PI * 3 * (200 + (c % 64) * 10) * t));
            BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], (short)(value * short.MaxValue * 0.6));
        }

        return ValueTask.FromResult(samples * 2);
    }

    public ValueTask<string?> RecognizeAsync(ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken)
    {
        // Signal energy decides whether there was speech, as a voice-activity detector would.
        var span = pcm.Span;
        double energy = 0;
        for (var i = 0; i + 1 < span.Length; i += 2)
        {
            double s = BinaryPrimitives.ReadInt16LittleEndian(span[i..]);
            energy += s * s;
        }

        var rms = span.Length < 2 ? 0 : Math.Sqrt(energy / (span.Length / 2));
        return ValueTask.FromResult(rms > 1_000 ? string.Create(CultureInfo.InvariantCulture, $"heard {span.Length / 2} samples") : null);
    }

    public ValueTask<IReadOnlyList<TelephonyEvent>> PollAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<TelephonyEvent> events = _random.NextDouble() < 0.3
                ? [new TelephonyEvent($"t{Interlocked.Increment(ref _ids)}", _random.NextDouble() < 0.8 ? "sms" : "call", "+15550100", Words(12))]
                : [];
            return ValueTask.FromResult(events);
        }
    }

    /// <summary>Fills a PCM frame with speech-like noise or silence, for the STT loop to analyse.</summary>
    public void CaptureMicrophone(Span<byte> frame)
    {
        lock (_gate)
        {
            var speaking = _random.NextDouble() < 0.2;
            for (var i = 0; i + 1 < frame.Length; i += 2)
            {
                var amplitude = speaking ? 8_000 : 200;
                BinaryPrimitives.WriteInt16LittleEndian(frame[i..], (short)_random.Next(-amplitude, amplitude));
            }
        }
    }

    private string Words(int count)
    {
        string[] vocabulary = ["agent", "update", "meeting", "invoice", "project", "the", "and", "deadline", "review", "team", "customer", "report", "tomorrow", "please", "thanks"];
        var builder = new StringBuilder(count * 7);
        for (var i = 0; i < count; i++)
        {
            builder.Append(i == 0 ? string.Empty : " ").Append(vocabulary[_random.Next(vocabulary.Length)]);
        }

        return builder.ToString();
    }
}
