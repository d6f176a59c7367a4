namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>The policy applied to write records that arrive out of order, as concurrent writers can enqueue them.</summary>
public sealed class TinyLfuPolicyTests
{
    [Test]
    public void OnReplace_ReplacementWhoseRemovalWasAppliedFirst_IsNotLinked()
    {
        var policy = CreatePolicy();
        var first = Node(1, weight: 3);
        var second = Node(1, weight: 5);
        policy.OnAdd(first);

        // Writer A replaced `first` with `second` in the map, writer B then removed `second`, and B's record drained first.
        first.TryRetire();
        second.TryRetire();
        policy.OnRemove(second);
        policy.OnReplace(first, second);

        Assert.That(policy.Nodes(), Is.Empty);
        Assert.That(policy.NodeCount, Is.Zero);
        Assert.That(policy.WeightedSize, Is.Zero);
    }

    [Test]
    public void OnReplace_ChainAppliedNewestFirst_LinksOnlyTheNewest()
    {
        var policy = CreatePolicy();
        var first = Node(1, weight: 1);
        var second = Node(1, weight: 2);
        var third = Node(1, weight: 4);
        policy.OnAdd(first);
        first.TryRetire();
        second.TryRetire();

        policy.OnReplace(second, third);
        policy.OnReplace(first, second);

        Assert.That(policy.Nodes(), Is.EqualTo(new[] { third }));
        Assert.That(policy.WeightedSize, Is.EqualTo(4));
    }

    [Test]
    public void OnReplace_InOrder_KeepsThePlaceOfTheReplacedNode()
    {
        var policy = CreatePolicy();
        var first = Node(1, weight: 1);
        var other = Node(2, weight: 1);
        var second = Node(1, weight: 2);
        policy.OnAdd(first);
        policy.OnAdd(other);
        first.TryRetire();

        policy.OnReplace(first, second);

        Assert.That(policy.Nodes(), Is.EquivalentTo(new[] { second, other }));
        Assert.That(policy.WeightedSize, Is.EqualTo(3));
    }

    private static TinyLfuPolicy<int, int> CreatePolicy() =>
        new(100, weighted: true, new WindowLimits(0.01, 0.01, 0.8, Adaptive: false), (_, _) => { });

    private static CacheNode<int, int> Node(int key, long weight) => new(key, key, weight, key.GetHashCode(), long.MaxValue, long.MaxValue);
}
