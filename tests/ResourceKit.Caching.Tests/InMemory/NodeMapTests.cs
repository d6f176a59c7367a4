namespace ResourceKit.Caching.Tests.InMemory;

public sealed class NodeMapTests
{
    [Test]
    public void TryAdd_NewAndDuplicateKeys_AddsOnceAndFinds()
    {
        var map = new NodeMap<int, string>(null);

        Assert.That(map.TryAdd(NodeFor(map, 1, "a")), Is.True);
        Assert.That(map.TryAdd(NodeFor(map, 1, "b")), Is.False, "the key is present");
        Assert.That(map.Find(1)?.Value, Is.EqualTo("a"));
        Assert.That(map.Find(2), Is.Null);
        Assert.That(map.Count, Is.EqualTo(1));
    }

    [Test]
    public void TryReplace_CurrentAndStaleNode_ReplacesOnlyTheCurrentOne()
    {
        var map = new NodeMap<int, string>(null);
        var first = NodeFor(map, 1, "a");
        var second = NodeFor(map, 1, "b");
        map.TryAdd(first);

        Assert.That(map.TryReplace(first, second), Is.True);
        Assert.That(map.TryReplace(first, NodeFor(map, 1, "c")), Is.False, "first is no longer the key's node");
        Assert.That(map.Find(1), Is.SameAs(second));
        Assert.That(map.Count, Is.EqualTo(1));
    }

    [Test]
    public void TryRemove_ByNode_RemovesOnlyThatNode()
    {
        var map = new NodeMap<int, string>(null);
        var first = NodeFor(map, 1, "a");
        var second = NodeFor(map, 1, "b");
        map.TryAdd(first);
        map.TryReplace(first, second);

        Assert.That(map.TryRemove(first), Is.False, "a replaced node is not removed in place of its replacement");
        Assert.That(map.TryRemove(second), Is.True);
        Assert.That(map.TryRemove(second), Is.False);
        Assert.That(map.Find(1), Is.Null);
        Assert.That(map.Count, Is.Zero);
    }

    [Test]
    public void TryRemove_ByKey_ReturnsTheRemovedNode()
    {
        var map = new NodeMap<int, string>(null);
        var node = NodeFor(map, 7, "x");
        map.TryAdd(node);

        Assert.That(map.TryRemove(7, out var removed), Is.True);
        Assert.That(removed, Is.SameAs(node));
        Assert.That(map.TryRemove(7, out _), Is.False);
    }

    [Test]
    public void TryAdd_ManyKeys_GrowsAndKeepsEveryKey()
    {
        var map = new NodeMap<int, int>(null);
        for (var i = 0; i < 20_000; i++)
        {
            Assert.That(map.TryAdd(NodeFor(map, i * 1024, i)), Is.True); // hashes alike in their low bits
        }

        var found = Enumerable.Range(0, 20_000).Count(i => map.Find(i * 1024)?.Value == i);
        Assert.That(found, Is.EqualTo(20_000));
        Assert.That(map.Count, Is.EqualTo(20_000));
        Assert.That(map.ToArray(), Has.Length.EqualTo(20_000).And.Unique);
    }

    [Test]
    public void Operations_AllKeysInOneBucket_KeepTheChainIntact()
    {
        var map = new NodeMap<int, int>(new ConstantHashComparer());
        var nodes = Enumerable.Range(0, 50).Select(i => NodeFor(map, i, i)).ToArray();
        foreach (var node in nodes)
        {
            map.TryAdd(node);
        }

        Assert.That(map.TryRemove(nodes[25]), Is.True);
        Assert.That(map.TryReplace(nodes[0], NodeFor(map, 0, 100)), Is.True);
        Assert.That(map.TryRemove(49, out _), Is.True);

        Assert.That(map.Find(25), Is.Null);
        Assert.That(map.Find(49), Is.Null);
        Assert.That(map.Find(0)?.Value, Is.EqualTo(100));
        Assert.That(Enumerable.Range(1, 48).Where(i => i != 25).All(i => map.Find(i)?.Value == i), Is.True);
        Assert.That(map.Count, Is.EqualTo(48));
    }

    [Test]
    public void Find_StringKeys_MatchesEqualStringsAndHonoursACustomComparer()
    {
        var ordinal = new NodeMap<string, int>(null);
        ordinal.TryAdd(NodeFor(ordinal, "Key", 1));
        var ignoreCase = new NodeMap<string, int>(StringComparer.OrdinalIgnoreCase);
        ignoreCase.TryAdd(NodeFor(ignoreCase, "Key", 2));

        Assert.That(ordinal.Find(new string("Key".AsSpan()))?.Value, Is.EqualTo(1), "another instance of an equal string");
        Assert.That(ordinal.Find("KEY"), Is.Null);
        Assert.That(ignoreCase.Find("KEY")?.Value, Is.EqualTo(2));
    }

    [Test]
    public void Find_WhileOtherKeysAreAddedAndRemovedAndTheTableGrows_NeverMissesAPresentKey()
    {
        // Growing re-links nodes while readers walk the old chains; a reader led astray must look again, not miss. With one
        // hash every node is in one chain, so every growth re-links the chain the readers are walking.
        var map = new NodeMap<int, int>(new ConstantHashComparer());
        const int Resident = 200;
        for (var i = 0; i < Resident; i++)
        {
            map.TryAdd(NodeFor(map, i, i));
        }

        long misses = 0;
        var overlap = ReadersDuringWrites.Run(
            writers: 2,
            writesPerWriter: 3_000,
            write: (w, i) =>
            {
                var key = Resident + (i * 2) + w;
                map.TryAdd(NodeFor(map, key, key));
                if (i % 3 == 0)
                {
                    map.TryRemove(key, out _);
                }
            },
            readers: 2,
            read: (r, i) =>
            {
                var key = (r + (7 * i)) % Resident;
                if (map.Find(key)?.Value != key)
                {
                    Interlocked.Increment(ref misses);
                }
            });

        Assert.That(overlap, Is.GreaterThanOrEqualTo(ReadersDuringWrites.MinimumOverlap(3_000)), "lookups overlapped the writes");
        Assert.That(misses, Is.Zero, $"of {overlap} lookups during the writes");
        Assert.That(map.Count, Is.EqualTo(Resident + (2 * 2_000)), "every third added key was removed again");
        Assert.That(map.ToArray(), Has.Length.EqualTo(map.Count).And.Unique);
    }

    [Test]
    public void Writes_ManyThreadsOnSharedKeys_LoseNothing()
    {
        var map = new NodeMap<int, int>(null);
        var added = new long[8];
        var removed = new long[8];
        Parallel.For(0, 8, t =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var key = (i * 31) % 5_000;
                if (map.TryAdd(NodeFor(map, key, key)))
                {
                    added[t]++;
                }

                var existing = map.Find(key);
                if (existing is not null && (i & 1) == 0 && map.TryReplace(existing, NodeFor(map, key, key)))
                {
                    continue;
                }

                if (i % 5 == 0 && map.TryRemove(key, out _))
                {
                    removed[t]++;
                }
            }
        });

        var nodes = map.ToArray();
        Assert.That(nodes, Has.Length.EqualTo(added.Sum() - removed.Sum()), "adds minus removes");
        Assert.That(map.Count, Is.EqualTo(nodes.Length));
        Assert.That(nodes.Select(n => n.Key), Is.Unique);
        Assert.That(nodes.All(n => ReferenceEquals(map.Find(n.Key), n)), Is.True);
    }

    private static CacheNode<TKey, TValue> NodeFor<TKey, TValue>(NodeMap<TKey, TValue> map, TKey key, TValue value)
        where TKey : notnull
        => new(key, value, 1, map.Hash(key), long.MaxValue, long.MaxValue);
}
