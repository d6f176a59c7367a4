namespace ResourceKit.Caching.Tests.InMemory;

public sealed class GhostSetTests
{
    [Test]
    public void Remove_RememberedHash_ReturnsTrueOnceAndForgetsIt()
    {
        var ghosts = new GhostSet(4);
        ghosts.Add(7);

        Assert.That(ghosts.Remove(7), Is.True);
        Assert.That(ghosts.Remove(7), Is.False, "a ghost hit is counted once");
        Assert.That(ghosts.Remove(8), Is.False);
    }

    [Test]
    public void Add_BeyondCapacity_ForgetsTheOldestFirst()
    {
        var ghosts = new GhostSet(3);
        foreach (var hash in new[] { 1, 2, 3, 4 })
        {
            ghosts.Add(hash);
        }

        Assert.That(ghosts.Remove(1), Is.False, "the oldest left when the fourth arrived");
        Assert.That(new[] { ghosts.Remove(2), ghosts.Remove(3), ghosts.Remove(4) }, Is.All.True);
    }

    [Test]
    public void Add_SameHashTwice_RemembersItOnceFromTheLatestAddition()
    {
        var ghosts = new GhostSet(2);
        ghosts.Add(5);
        ghosts.Add(5);
        ghosts.Add(6); // overwrites the slot of the first 5; the second 5 is still remembered

        Assert.That(ghosts.Remove(5), Is.True);
        Assert.That(ghosts.Remove(5), Is.False, "one ghost per key");
        Assert.That(ghosts.Remove(6), Is.True);
    }

    [Test]
    public void Add_KeyEvictedAgainAfterAGhostHit_SurvivesTheOverwriteOfItsConsumedSlot()
    {
        var ghosts = new GhostSet(2);
        ghosts.Add(1);
        Assert.That(ghosts.Remove(1), Is.True);
        ghosts.Add(1); // evicted again
        ghosts.Add(9); // the ring wraps onto the slot of the consumed first 1

        Assert.That(ghosts.Remove(1), Is.True, "the second eviction of 1 is still remembered");
    }

    [Test]
    public void Add_AfterRemovedEntriesAgeOut_KeepsOnlyTheRingsContents()
    {
        var ghosts = new GhostSet(2);
        ghosts.Add(1);
        Assert.That(ghosts.Remove(1), Is.True);
        ghosts.Add(2);
        ghosts.Add(3); // the ring slot of 1 is reused; forgetting 1 again must not disturb anything

        Assert.That(ghosts.Remove(1), Is.False);
        Assert.That(new[] { ghosts.Remove(2), ghosts.Remove(3) }, Is.All.True);
    }
}
