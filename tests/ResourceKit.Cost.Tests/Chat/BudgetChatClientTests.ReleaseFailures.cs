using Microsoft.Extensions.AI;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tests.Budgets;

namespace ResourceKit.Cost.Tests.Chat;

/// <content>When the provider fails and the store cannot release, the caller still sees the provider's error.</content>
public sealed partial class BudgetChatClientTests
{
    [Test]
    public async Task GetResponseAsync_ProviderFailsAndReleaseFails_ThrowsProviderErrorAndClearsReservedGauge()
    {
        using var ledger = LedgerWhoseFirstReleaseFails();
        _inner.Respond = _ => throw new InvalidOperationException("provider down");
        using var client = Create(ledger: ledger);

        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await client.GetResponseAsync(Prompt));

        Assert.That(error!.Message, Is.EqualTo("provider down"));
        Assert.That(ledger.LocalReserved, Is.Zero, "the reservation is abandoned, not left open");
        _time.Advance(CostOptions.DefaultReservationTimeToLive);
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero, "the store's hold lapsed");
    }

    [Test]
    public async Task GetStreamingResponseAsync_FailsBeforeFirstUpdateAndReleaseFails_ThrowsProviderError()
    {
        using var ledger = LedgerWhoseFirstReleaseFails();
        _inner.Stream = _ => throw new InvalidOperationException("provider down");
        using var client = Create(ledger: ledger);

        Assert.ThrowsAsync<InvalidOperationException>(async () => await client.GetStreamingResponseAsync(Prompt).ToListAsync());

        Assert.That(ledger.LocalReserved, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_ProviderStreamThrowsOnDispose_StillSettles()
    {
        using var client = Create(new ThrowingDisposeClient());

        Assert.ThrowsAsync<IOException>(async () => await client.GetStreamingResponseAsync(Prompt).ToListAsync());

        var status = (await _ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Reserved, Is.Zero);
        Assert.That(status.Committed, Is.EqualTo((104m * 15m + 10m * 60m) / 1_000_000m), "settled at the streamed usage");
        Assert.That(_ledger.LocalReserved, Is.Zero);
    }

    private SpendLedger LedgerWhoseFirstReleaseFails() =>
        new(_options, new FlakySpendStore(new MemorySpendStore()) { ReleaseFailures = 1 }, _time);

    /// <summary>A provider whose stream completes and then throws while being disposed.</summary>
    private sealed class ThrowingDisposeClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => new Updates();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o") : null;

        public void Dispose()
        {
        }

        private sealed class Updates : IAsyncEnumerable<ChatResponseUpdate>, IAsyncEnumerator<ChatResponseUpdate>
        {
            private int _index;

            public ChatResponseUpdate Current { get; private set; } = null!;

            public IAsyncEnumerator<ChatResponseUpdate> GetAsyncEnumerator(CancellationToken cancellationToken = default) => this;

            public ValueTask<bool> MoveNextAsync()
            {
                Current = new ChatResponseUpdate(ChatRole.Assistant, "ok")
                {
                    Contents = { new UsageContent(new UsageDetails { InputTokenCount = 104, OutputTokenCount = 10 }) },
                };
                return ValueTask.FromResult(_index++ == 0);
            }

            public ValueTask DisposeAsync() => throw new IOException("connection reset while closing the stream");
        }
    }
}
