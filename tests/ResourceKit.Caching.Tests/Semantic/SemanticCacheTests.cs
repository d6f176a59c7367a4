using Microsoft.Extensions.Time.Testing;
using ResourceKit.Caching.Semantic;
using ResourceKit.Caching.Tests.TestDoubles;

namespace ResourceKit.Caching.Tests.Semantic;

public sealed class SemanticCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Test]
    public async Task FindAsync_SimilarPromptInSameScope_ReturnsTheStoredKey()
    {
        var generator = new FakeEmbeddingGenerator()
            .With("What is the capital of France?", 1f, 0f, 0f)
            .With("Tell me France's capital", 0.99f, 0.1f, 0f);
        var cache = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        var first = await cache.FindAsync("tenant-a", "What is the capital of France?");
        cache.Add("tenant-a", "What is the capital of France?", "key-1", first.Embedding);

        var lookup = await cache.FindAsync("tenant-a", "Tell me France's capital");

        Assert.That(lookup.Key, Is.EqualTo("key-1"));
        Assert.That(lookup.Similarity, Is.GreaterThan(0.95f));
    }

    [Test]
    public async Task FindAsync_OtherScope_NeverSeesTheEntry()
    {
        var generator = new FakeEmbeddingGenerator().With("same question", 1f, 0f);
        var cache = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        await cache.AddAsync("tenant-a/user-1", "same question", "key-a");

        var otherUser = await cache.FindAsync("tenant-a/user-2", "same question");
        var otherTenant = await cache.FindAsync("tenant-b/user-1", "same question");

        Assert.That(otherUser.IsMatch, Is.False);
        Assert.That(otherTenant.IsMatch, Is.False);
    }

    [Test]
    public async Task FindAsync_BelowThreshold_DoesNotMatch()
    {
        var generator = new FakeEmbeddingGenerator().With("a", 1f, 0f).With("b", 0.9f, 0.43f);
        var cache = new SemanticCache(new SemanticCacheOptions { SimilarityThreshold = 0.95f }, generator, _time);
        await cache.AddAsync("s", "a", "key-a");

        var lookup = await cache.FindAsync("s", "b");

        Assert.That(lookup.IsMatch, Is.False);
        Assert.That(lookup.Similarity, Is.LessThan(0.95f).And.GreaterThan(0.8f));
    }

    [Test]
    public async Task FindAsync_ExactPrompt_MatchesWithoutAnEmbeddingCall()
    {
        var generator = new FakeEmbeddingGenerator();
        var cache = new SemanticCache(new SemanticCacheOptions(), generator, _time);
        await cache.AddAsync("s", "prompt", "key");
        var callsBefore = generator.Calls;

        var lookup = await cache.FindAsync("s", "prompt");

        Assert.That(lookup, Is.EqualTo(new SemanticCacheLookup("key", 1f, ReadOnlyMemory<float>.Empty)).Using<SemanticCacheLookup>((x, y) => x.Key == y.Key && x.Similarity == y.Similarity));
        Assert.That(generator.Calls, Is.EqualTo(callsBefore));
    }

    [Test]
    public async Task FindAsync_AfterTimeToLive_ForgetsTheEntry()
    {
        var generator = new FakeEmbeddingGenerator().With("p", 1f, 0f).With("q", 1f, 0.01f);
        var cache = new SemanticCache(new SemanticCacheOptions { TimeToLive = TimeSpan.FromMinutes(5) }, generator, _time);
        await cache.AddAsync("s", "p", "key");

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.That((await cache.FindAsync("s", "p")).IsMatch, Is.False);
        Assert.That((await cache.FindAsync("s", "q")).IsMatch, Is.False);
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public async Task Add_BeyondCapacity_ForgetsTheOldest()
    {
        var cache = new SemanticCache(new SemanticCacheOptions { MaximumEntriesPerScope = 2 }, new FakeEmbeddingGenerator(), _time);
        await cache.AddAsync("s", "one", "k1");
        await cache.AddAsync("s", "two", "k2");
        await cache.AddAsync("s", "three", "k3");

        Assert.That(cache.Count, Is.EqualTo(2));
        Assert.That((await cache.FindAsync("s", "one")).Key, Is.Not.EqualTo("k1"));
    }

    [Test]
    public async Task AddAndFind_ManyThreads_StayConsistent()
    {
        // One axis per prompt, so a prompt matches only its own entry and any other match is a mix-up.
        const int Prompts = 500;
        var generator = new FakeEmbeddingGenerator();
        for (var i = 0; i < Prompts; i++)
        {
            var vector = new float[Prompts];
            vector[i] = 1f;
            generator.With($"prompt-{i}", vector);
        }

        var cache = new SemanticCache(new SemanticCacheOptions { MaximumEntriesPerScope = 50 }, generator, _time);
        var wrongKeys = 0;
        var crossScope = 0;

        await Parallel.ForAsync(0, Prompts, async (i, ct) =>
        {
            var scope = $"scope-{i % 4}";
            await cache.AddAsync(scope, $"prompt-{i}", $"key-{i}", ct);
            var other = i / 2;
            var lookup = await cache.FindAsync(scope, $"prompt-{other}", ct);
            if (lookup.IsMatch && lookup.Key != $"key-{other}")
            {
                Interlocked.Increment(ref wrongKeys);
            }

            if (lookup.IsMatch && other % 4 != i % 4)
            {
                Interlocked.Increment(ref crossScope);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(wrongKeys, Is.Zero, "a lookup returned another prompt's key");
            Assert.That(crossScope, Is.Zero, "a lookup matched an entry stored in another scope");
            Assert.That(cache.Count, Is.EqualTo(4 * 50), "each scope got 125 prompts and keeps its 50 newest");
            Assert.That(cache.TrackedCount, Is.EqualTo(cache.Count));
        });
        for (var scope = 0; scope < 4; scope++)
        {
            var found = 0;
            for (var i = scope; i < Prompts; i += 4)
            {
                var lookup = await cache.FindAsync($"scope-{scope}", $"prompt-{i}");
                if (lookup.IsMatch)
                {
                    Assert.That(lookup.Key, Is.EqualTo($"key-{i}"));
                    found++;
                }
            }

            Assert.That(found, Is.EqualTo(50), $"scope-{scope} finds each entry it keeps by its own prompt");
        }
    }

    [Test]
    public async Task Add_ScopesOfPastTurnsExpire_AreDroppedByTheNextStore()
    {
        var cache = new SemanticCache(new SemanticCacheOptions { TimeToLive = TimeSpan.FromMinutes(5) }, new FakeEmbeddingGenerator(), _time);
        for (var turn = 1; turn <= 3; turn++)
        {
            await cache.AddAsync($"conversation-1/turn-{turn}", "prompt", $"key-{turn}");
        }

        Assert.That(cache.ScopeCount, Is.EqualTo(3));
        _time.Advance(TimeSpan.FromMinutes(5));
        await cache.AddAsync("conversation-1/turn-4", "prompt", "key-4");

        Assert.That(cache.ScopeCount, Is.EqualTo(1));
        Assert.That(cache.Count, Is.EqualTo(1));
        Assert.That(cache.TrackedCount, Is.EqualTo(1));
    }

    [Test]
    public async Task FindAsync_OtherScopesExpired_DropsThemDuringTheLookup()
    {
        var cache = new SemanticCache(new SemanticCacheOptions { TimeToLive = TimeSpan.FromMinutes(5) }, new FakeEmbeddingGenerator(), _time);
        await cache.AddAsync("a", "prompt", "key-a");
        await cache.AddAsync("b", "prompt", "key-b");

        _time.Advance(TimeSpan.FromMinutes(5));
        var lookup = await cache.FindAsync("c", "prompt");

        Assert.That(lookup.IsMatch, Is.False);
        Assert.That(cache.ScopeCount, Is.Zero);
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public async Task Add_BeyondMaximumEntries_ForgetsTheOldestAcrossScopes()
    {
        var cache = new SemanticCache(new SemanticCacheOptions { MaximumEntries = 10 }, new FakeEmbeddingGenerator(), _time);
        for (var i = 0; i <= 10; i++)
        {
            await cache.AddAsync($"scope-{i}", "prompt", $"key-{i}");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.That(cache.Count, Is.EqualTo(9), "evicted down to 90 % of the cap");
        Assert.That(cache.ScopeCount, Is.EqualTo(9));
        Assert.That((await cache.FindAsync("scope-1", "prompt")).Key, Is.Not.EqualTo("key-1"));
        Assert.That((await cache.FindAsync("scope-10", "prompt")).Key, Is.EqualTo("key-10"));
    }

    [Test]
    public async Task AddFindAndRemoveScope_ManyThreadsOverTheCap_KeepTheCountExact()
    {
        var cache = new SemanticCache(new SemanticCacheOptions { MaximumEntries = 100, MaximumEntriesPerScope = 8 }, new FakeEmbeddingGenerator(), _time);
        var embedding = new float[] { 1f, 0f };

        Parallel.For(0, 4000, i =>
        {
            var scope = $"scope-{i % 37}";
            cache.Add(scope, $"prompt-{i % 11}", $"key-{i}", embedding);
            if (i % 97 == 0)
            {
                cache.RemoveScope(scope);
            }
        });
        await cache.AddAsync("last", "prompt", "key");

        Assert.That(cache.TrackedCount, Is.EqualTo(cache.Count));
        Assert.That(cache.Count, Is.LessThanOrEqualTo(100));
    }

    [Test]
    public void Methods_BadInput_Throw()
    {
        var generator = new FakeEmbeddingGenerator();
        var cache = new SemanticCache(new SemanticCacheOptions(), generator, _time);

        Assert.That(() => new SemanticCache(new SemanticCacheOptions { SimilarityThreshold = 1.5f }, generator), Throws.ArgumentException);
        Assert.That(() => new SemanticCache(new SemanticCacheOptions { MaximumEntries = 0 }, generator), Throws.ArgumentException.With.Message.Contains("MaximumEntries"));
        Assert.That(() => new SemanticCache(new SemanticCacheOptions(), null!), Throws.ArgumentNullException);
        Assert.That(() => cache.Add("s", "p", "k", ReadOnlyMemory<float>.Empty), Throws.ArgumentException);
        Assert.That(async () => await cache.FindAsync("s", ""), Throws.ArgumentException);
    }
}
