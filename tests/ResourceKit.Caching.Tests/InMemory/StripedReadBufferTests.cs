namespace ResourceKit.Caching.Tests.InMemory;

public sealed class StripedReadBufferTests
{
    [Test]
    public void TryAppend_ThenDrain_PassesRecordsInOrderOnce()
    {
        var buffer = new StripedReadBuffer<string>();
        foreach (var item in new[] { "a", "b", "a", "c" })
        {
            Assert.That(buffer.TryAppend(item), Is.True);
        }

        Assert.That(Drain(buffer, out var count), Is.EqualTo(new[] { "a", "b", "a", "c" }));
        Assert.That(count, Is.EqualTo(4));
        Assert.That(Drain(buffer, out _), Is.Empty, "a drained record is not replayed");
    }

    [Test]
    public void TryAppend_StripeFull_DropsTheRecordUntilADrainMakesRoom()
    {
        var buffer = new StripedReadBuffer<string>();
        var accepted = 0;
        for (var i = 0; i < StripedReadBuffer<string>.StripeCapacity + 5; i++)
        {
            accepted += buffer.TryAppend("item" + i) ? 1 : 0;
        }

        Assert.That(accepted, Is.EqualTo(StripedReadBuffer<string>.StripeCapacity));
        Assert.That(Drain(buffer, out _), Has.Count.EqualTo(StripedReadBuffer<string>.StripeCapacity));
        Assert.That(buffer.TryAppend("after"), Is.True, "draining frees the stripe");
        Assert.That(Drain(buffer, out _), Is.EqualTo(new[] { "after" }));
    }

    [Test]
    public void CountHitAndMiss_AreIndependentOfRecordsAndDrains()
    {
        var buffer = new StripedReadBuffer<string>();
        buffer.CountHit();
        buffer.CountHit();
        buffer.CountMiss();
        buffer.TryAppend("a");
        Drain(buffer, out _);
        buffer.CountHit();

        Assert.That(buffer.Totals(), Is.EqualTo((3L, 1L)));
    }

    [Test]
    public void Drain_ManyRoundsAroundTheRing_LosesNothing()
    {
        var buffer = new StripedReadBuffer<string>();
        var drained = 0;
        for (var round = 0; round < 10; round++)
        {
            for (var i = 0; i < 100; i++)
            {
                Assert.That(buffer.TryAppend("r" + round), Is.True);
            }

            drained += Drain(buffer, out _).Count;
        }

        Assert.That(drained, Is.EqualTo(1_000), "the ring wraps ten times over its 128 slots");
    }

    private static List<string> Drain(StripedReadBuffer<string> buffer, out int count)
    {
        var drained = new List<string>();
        count = buffer.Drain(drained.Add);
        return drained;
    }
}
