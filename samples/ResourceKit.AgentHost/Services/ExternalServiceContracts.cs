namespace ResourceKit.AgentHost.Services;

/// <summary>A mail message fetched by the Gmail sync loop.</summary>
internal sealed record MailMessage(string Id, string From, string Subject, string Body, DateTimeOffset ReceivedAt);

/// <summary>A page captured by the browser monitor loop.</summary>
internal sealed record PageSnapshot(Uri Url, string Html, DateTimeOffset CapturedAt);

/// <summary>An SMS or call event from the telephony gateway.</summary>
internal sealed record TelephonyEvent(string Id, string Kind, string From, string Body);

/// <summary>The mailbox the agent syncs (Gmail in the seed).</summary>
internal interface IMailboxClient
{
    ValueTask<IReadOnlyList<MailMessage>> FetchNewAsync(CancellationToken cancellationToken);
}

/// <summary>The browser the agent watches.</summary>
internal interface IBrowserSession
{
    ValueTask<PageSnapshot> CaptureAsync(Uri url, CancellationToken cancellationToken);
}

/// <summary>Text-to-speech: renders text to 16-bit mono PCM at 16 kHz.</summary>
internal interface ISpeechSynthesizer
{
    /// <summary>Returns the number of PCM bytes written into <paramref name="destination"/>.</summary>
    ValueTask<int> SynthesizeAsync(string text, Memory<byte> destination, CancellationToken cancellationToken);
}

/// <summary>Speech-to-text over PCM frames.</summary>
internal interface ISpeechRecognizer
{
    ValueTask<string?> RecognizeAsync(ReadOnlyMemory<byte> pcm, CancellationToken cancellationToken);
}

/// <summary>The voice/SMS gateway (Twilio in the seed).</summary>
internal interface ITelephonyGateway
{
    ValueTask<IReadOnlyList<TelephonyEvent>> PollAsync(CancellationToken cancellationToken);
}
