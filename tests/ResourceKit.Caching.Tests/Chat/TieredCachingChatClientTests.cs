using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Chat;
using ResourceKit.Caching.Keys;
using ResourceKit.Caching.Semantic;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Chat;

public sealed class TieredCachingChatClientTests
{
    private FakeTimeProvider _time = null!;
    private TieredCache _cache = null!;
    private CountingChatClient _inner = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider();
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        _cache = new TieredCache(options, timeProvider: _time);
        _inner = new CountingChatClient();
    }

    [TearDown]
    public void TearDown()
    {
        _cache.Dispose();
        _inner.Dispose();
    }

    [Test]
    public async Task GetResponseAsync_RepeatedRequest_ReturnsCachedResponseWithoutCallingInnerClient()
    {
        using var client = new ChatClientBuilder(_inner).UseResourceKitCache(_cache).Build();
        var options = new ChatOptions { ModelId = "gpt-5", Temperature = 0.1f };

        var first = await client.GetResponseAsync("What is 2+2?", options);
        var second = await client.GetResponseAsync("What is 2+2?", new ChatOptions { ModelId = "gpt-5", Temperature = 0.1f });

        Assert.That(_inner.Calls, Is.EqualTo(1));
        Assert.That(second.Text, Is.EqualTo(first.Text));
    }

    [Test]
    public async Task GetResponseAsync_MissThenHit_CountsOneMissAndOneHit()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);

        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q");

        var statistics = _cache.Statistics;
        Assert.That(statistics.Misses, Is.EqualTo(1), "a miss is counted once, not once before and once inside the single flight");
        Assert.That(statistics.MemoryHits, Is.EqualTo(1));
        Assert.That(statistics.FactoryRuns, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_MissThenHitWithSemanticCache_CountsOneMissAndOneHit()
    {
        var semantic = new SemanticCache(new SemanticCacheOptions(), new FakeEmbeddingGenerator().With("q", 1f, 0f), _time);
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic);

        await client.GetResponseAsync("q", Scoped("tenant-a/user-1"));
        await client.GetResponseAsync("q", Scoped("tenant-a/user-1"));

        var statistics = _cache.Statistics;
        Assert.That(statistics.Misses, Is.EqualTo(1), "the exact lookup before the semantic one and the lookup in the flight are one miss");
        Assert.That(statistics.MemoryHits, Is.EqualTo(1));
        Assert.That(statistics.FactoryRuns, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_DifferentTemperature_CallsInnerClientAgain()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);

        await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.1f });
        await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.9f });

        Assert.That(_inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_AfterPolicyTimeToLive_CallsInnerClientAgain()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        await client.GetResponseAsync("q");

        _time.Advance(TimeSpan.FromHours(1));
        var response = await client.GetResponseAsync("q");

        Assert.That(response.Text, Is.EqualTo("answer 2"));
    }

    [Test]
    public async Task GetResponseAsync_ConcurrentIdenticalRequests_ShareOneInnerCall()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.Gate = gate.Task;

        // Each call runs synchronously up to its wait (no disk, no L3), so all 16 are waiting once they are started,
        // and none can find the answer cached: the provider has not answered yet.
        var calls = Enumerable.Range(0, 16).Select(_ => client.GetResponseAsync("q")).ToArray();
        Assert.That(calls.Count(c => c.IsCompleted), Is.Zero);
        var innerCallsWhileWaiting = _inner.Calls;
        gate.SetResult();
        var responses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(innerCallsWhileWaiting, Is.EqualTo(1), "16 waiting requests, one provider call");
        Assert.That(responses.Select(r => r.Text), Has.All.EqualTo("answer 1"));
        Assert.That(_inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_ConversationId_BypassesTheCache()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);

        await client.GetResponseAsync("q", new ChatOptions { ConversationId = "c1" });
        await client.GetResponseAsync("q", new ChatOptions { ConversationId = "c1" });

        Assert.That(_inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_SemanticMatchInSameScope_ReturnsTheEarlierAnswer()
    {
        var generator = new FakeEmbeddingGenerator().With("capital of France?", 1f, 0f).With("France's capital?", 0.99f, 0.05f);
        var semantic = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic);

        var first = await client.GetResponseAsync("capital of France?", Scoped("tenant-a/user-1"));
        var similar = await client.GetResponseAsync("France's capital?", Scoped("tenant-a/user-1"));

        Assert.That(similar.Text, Is.EqualTo(first.Text));
        Assert.That(_inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetResponseAsync_SemanticMatchInOtherScope_IsNeverReturned()
    {
        var generator = new FakeEmbeddingGenerator().With("capital of France?", 1f, 0f);
        var semantic = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic);

        var tenantA = await client.GetResponseAsync("capital of France?", Scoped("tenant-a/user-1"));
        var tenantB = await client.GetResponseAsync("capital of France?", Scoped("tenant-b/user-1"));

        Assert.That(tenantB.Text, Is.Not.EqualTo(tenantA.Text));
        Assert.That(_inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_SameTextWithDifferentImageOrUri_NeverSharesAnAnswer()
    {
        var generator = new FakeEmbeddingGenerator();
        var semantic = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic);
        static ChatMessage Ask(AIContent attachment) => new(ChatRole.User, [new TextContent("What is in this image?"), attachment]);
        var imageA = Ask(new DataContent(new byte[] { 1, 2, 3 }, "image/png"));

        var a = await client.GetResponseAsync([imageA]);
        var b = await client.GetResponseAsync([Ask(new DataContent(new byte[] { 4, 5, 6 }, "image/png"))]);
        var c = await client.GetResponseAsync([Ask(new UriContent(new Uri("https://example.com/c.png"), "image/png"))]);
        var again = await client.GetResponseAsync([imageA]);

        Assert.That(new[] { a.Text, b.Text, c.Text }, Is.EqualTo(new[] { "answer 1", "answer 2", "answer 3" }));
        Assert.That(again.Text, Is.EqualTo(a.Text), "the exact key still caches multimodal requests");
        Assert.That(_inner.Calls, Is.EqualTo(3));
        Assert.That(semantic.Count, Is.Zero);
        Assert.That(generator.Calls, Is.Zero);
    }

    [Test]
    public async Task GetResponseAsync_EmbeddingGeneratorFails_ReturnsTheInnerResponseAndLogs()
    {
        var generator = new FakeEmbeddingGenerator { Failure = new HttpRequestException("429 Too Many Requests") };
        var semantic = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        var logger = new ListLogger<TieredCachingChatClient>();
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic, logger: logger);

        var first = await client.GetResponseAsync("q");
        var repeated = await client.GetResponseAsync("q");
        var streamed = await client.GetStreamingResponseAsync("other").ToChatResponseAsync();

        Assert.That(first.Text, Is.EqualTo("answer 1"));
        Assert.That(repeated.Text, Is.EqualTo("answer 1"), "the exact key still caches");
        Assert.That(streamed.Text, Is.EqualTo("streamed answer 2"));
        Assert.That(_inner.Calls, Is.EqualTo(2));
        Assert.That(logger.Entries.Count(e => e.EventId.Id == 5401), Is.EqualTo(2));
    }

    [Test]
    public void GetResponseAsync_CallerCancelsDuringEmbedding_Throws()
    {
        using var cancel = new CancellationTokenSource();
        var generator = new FakeEmbeddingGenerator { OnCall = cancel.Cancel, Failure = new OperationCanceledException(cancel.Token) };
        var semantic = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        using var client = new TieredCachingChatClient(_inner, _cache, semanticCache: semantic);

        Assert.That(async () => await client.GetResponseAsync("q", cancellationToken: cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(_inner.Calls, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_CompletedStream_IsCachedAndReplayed()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);

        var first = await client.GetStreamingResponseAsync("q").ToChatResponseAsync();
        var second = await client.GetStreamingResponseAsync("q").ToChatResponseAsync();
        var nonStreaming = await client.GetResponseAsync("q");

        Assert.That(first.Text, Is.EqualTo("streamed answer 1"));
        Assert.That(second.Text, Is.EqualTo(first.Text));
        Assert.That(nonStreaming.Text, Is.EqualTo(first.Text));
        Assert.That(_inner.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task GetStreamingResponseAsync_KeyRemovedWhileStreaming_IsNotStored()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.Gate = gate.Task;
        var streaming = client.GetStreamingResponseAsync("q").ToChatResponseAsync();
        Assert.That(_inner.Calls, Is.EqualTo(1), "the stream reached the provider, so the removal below happens while it runs");

        // The key of "q" with no options and no scope, as the client builds it (an inner client without metadata).
        await _cache.RemoveAsync(new LlmCacheKeyBuilder().Build([new ChatMessage(ChatRole.User, "q")], null, "\u001f\u001f\u001e"));
        _inner.Gate = null;
        gate.SetResult();
        await streaming.WaitAsync(TimeSpan.FromSeconds(10));
        await client.GetStreamingResponseAsync("q").ToChatResponseAsync();

        Assert.That(_inner.Calls, Is.EqualTo(2), "a stream that ends after a removal of its key must not store its response");
        Assert.That(_cache.TrackedChangeKeys, Is.Zero);
    }

    [Test]
    public async Task GetStreamingResponseAsync_GatedStreamWithoutARemoval_IsStored()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inner.Gate = gate.Task;
        var streaming = client.GetStreamingResponseAsync("q").ToChatResponseAsync();

        _inner.Gate = null;
        gate.SetResult();
        await streaming.WaitAsync(TimeSpan.FromSeconds(10));
        await client.GetStreamingResponseAsync("q").ToChatResponseAsync();

        Assert.That(_inner.Calls, Is.EqualTo(1), "the same flow without the removal stores the stream (the removal test is not vacuous)");
    }

    [Test]
    public async Task GetStreamingResponseAsync_AbandonedStream_IsNotCached()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        await foreach (var update in client.GetStreamingResponseAsync("q"))
        {
            break;
        }

        var response = await client.GetStreamingResponseAsync("q").ToChatResponseAsync();

        Assert.That(response.Text, Is.EqualTo("streamed answer 2"));
    }

    [Test]
    public async Task GetResponseAsync_ThroughDiskTier_RoundTripsTheChatResponse()
    {
        using var folder = new TemporaryDirectory();
        using var disk = new ResourceKit.Caching.Disk.DiskCacheStore(new() { Directory = folder.Path }, _time);
        var options = new TieredCacheOptions();
        options.Memory.MaintenanceMode = CacheMaintenanceMode.Foreground;
        using var cache = new TieredCache(options, disk, timeProvider: _time);
        using var client = new TieredCachingChatClient(_inner, cache);
        var first = await client.GetResponseAsync("q", new ChatOptions { ModelId = "gpt-5" });

        cache.ClearMemory();
        var second = await client.GetResponseAsync("q", new ChatOptions { ModelId = "gpt-5" });

        Assert.That(second.Text, Is.EqualTo(first.Text));
        Assert.That(second.ModelId, Is.EqualTo("gpt-5"));
        Assert.That(_inner.Calls, Is.EqualTo(1));
        Assert.That(cache.Statistics.DiskHits, Is.EqualTo(1));
    }

    [Test]
    public void Constructor_UnknownPolicy_Throws()
    {
        Assert.That(() => new TieredCachingChatClient(_inner, _cache, new TieredChatCacheOptions { PolicyName = "nope" }), Throws.ArgumentException);
        Assert.That(() => new TieredCachingChatClient(_inner, null!), Throws.ArgumentNullException);
    }

    [Test]
    public async Task GetResponseAsync_TwoPipelinesToDifferentModelsShareACache_NeverAnswerEachOther()
    {
        using var mini = new CountingChatClient { Metadata = new ChatClientMetadata("openai", new Uri("https://api.example"), "gpt-mini") };
        using var large = new CountingChatClient { Metadata = new ChatClientMetadata("openai", new Uri("https://api.example"), "gpt-large") };
        using var toMini = new TieredCachingChatClient(mini, _cache);
        using var toLarge = new TieredCachingChatClient(large, _cache);

        await toMini.GetResponseAsync("q");
        await toLarge.GetResponseAsync("q");
        await toMini.GetResponseAsync("q");

        Assert.That((mini.Calls, large.Calls), Is.EqualTo((1, 1)), "the model set on the inner client is part of the key");
    }

    [Test]
    public async Task GetResponseAsync_HostedTool_BypassesTheCache()
    {
        using var client = new TieredCachingChatClient(_inner, _cache);
        var options = new ChatOptions { Tools = [new HostedWebSearchTool()] };

        await client.GetResponseAsync("latest news", options);
        await client.GetResponseAsync("latest news", options);

        Assert.That(_inner.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task GetResponseAsync_RequireScopeWithoutScope_BypassesTheCacheButCachesScopedRequests()
    {
        using var client = new TieredCachingChatClient(_inner, _cache, new TieredChatCacheOptions { RequireScope = true });

        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q", Scoped("tenant-a/user-1"));
        await client.GetResponseAsync("q", Scoped("tenant-a/user-1"));

        Assert.That(_inner.Calls, Is.EqualTo(3));
    }

    [Test]
    public async Task GetResponseAsync_ResponseNamesAServerSideConversation_IsReturnedButNotCached()
    {
        _inner.ResponseConversationId = "resp_123";
        using var client = new TieredCachingChatClient(_inner, _cache);

        var first = await client.GetResponseAsync("q");
        await client.GetResponseAsync("q");

        Assert.That(first.ConversationId, Is.EqualTo("resp_123"));
        Assert.That(_inner.Calls, Is.EqualTo(2), "another caller must not continue this caller's conversation");
    }

    [Test]
    public async Task GetStreamingResponseAsync_StreamNamesAServerSideConversation_IsNotCached()
    {
        _inner.ResponseConversationId = "resp_123";
        using var client = new TieredCachingChatClient(_inner, _cache);

        await foreach (var update in client.GetStreamingResponseAsync("q"))
        {
            Assert.That(update.ConversationId, Is.EqualTo("resp_123"));
        }

        await foreach (var update in client.GetStreamingResponseAsync("q"))
        {
            Assert.That(update, Is.Not.Null);
        }

        Assert.That(_inner.Calls, Is.EqualTo(2));
    }

    private static ChatOptions Scoped(string scope) => new() { AdditionalProperties = new() { [TieredChatCacheOptions.DefaultScopePropertyName] = scope } };
}
