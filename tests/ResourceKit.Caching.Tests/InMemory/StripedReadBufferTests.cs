namespace ResourceKit.Caching.Tests.InMemory;

public sealed class StripedReadBufferTests
{
    [Test]
    public void RecordHit_SameItemInARow_DrainsOneRecordCarryingEveryRead()
    {
        var buffer = new StripedReadBuffer<string>();
        for (var i = 0; i < 100; i++)
        {
            Assert.That(buffer.RecordHit("hot"), Is.True);
        }

        var drained = Drain(buffer);

        Assert.That(drained, Is.EqualTo(new[] { ("hot", 100) }));
        Assert.That(buffer.Totals().Hits, Is.EqualTo(100));
    }

    [Test]
    public void RecordHit_RunLongerThanMaximumRepeats_StartsANewRecord()
    {
        var buffer = new StripedReadBuffer<string>();
        var reads = StripedReadBuffer<string>.MaximumRepeats + 5;
        for (var i = 0; i < reads; i++)
        {
            buffer.RecordHit("hot");
        }

        Assert.That(Drain(buffer), Is.EqualTo(new[] { ("hot", StripedReadBuffer<string>.MaximumRepeats + 1), ("hot", 4) }));
        Assert.That(buffer.Totals().Hits, Is.EqualTo(reads));
    }

    [Test]
    public void RecordHit_InterleavedItems_KeepsOrderAndRuns()
    {
        var buffer = new StripedReadBuffer<string>();
        foreach (var item in new[] { "a", "a", "b", "a", "c", "c", "c" })
        {
            buffer.RecordHit(item);
        }

        Assert.That(Drain(buffer), Is.EqualTo(new[] { ("a", 2), ("b", 1), ("a", 1), ("c", 3) }));
    }

    [Test]
    public void RecordHit_AfterDrain_StartsANewRecord()
    {
        var buffer = new StripedReadBuffer<string>();
        buffer.RecordHit("hot");
        buffer.RecordHit("hot");
        Assert.That(Drain(buffer), Is.EqualTo(new[] { ("hot", 2) }));

        buffer.RecordHit("hot");

        Assert.That(Drain(buffer), Is.EqualTo(new[] { ("hot", 1) }), "a repeat never attaches to a drained record");
    }

    [Test]
    public void RecordHit_StripeFull_DropsDistinctItemsButStillCountsHits()
    {
        var buffer = new StripedReadBuffer<string>();
        var accepted = 0;
        for (var i = 0; i < StripedReadBuffer<string>.StripeCapacity + 5; i++)
        {
            accepted += buffer.RecordHit("item" + i) ? 1 : 0;
        }

        Assert.That(accepted, Is.EqualTo(StripedReadBuffer<string>.StripeCapacity));
        Assert.That(buffer.Totals().Hits, Is.EqualTo(StripedReadBuffer<string>.StripeCapacity + 5));
        Assert.That(Drain(buffer), Has.Count.EqualTo(StripedReadBuffer<string>.StripeCapacity));
    }

    [Test]
    public void Totals_CountsReadsDrainedBufferedAndDropped()
    {
        var buffer = new StripedReadBuffer<string>();
        buffer.RecordHit("a");
        buffer.RecordHit("a");
        buffer.RecordHit("b");
        Drain(buffer);
        buffer.RecordHit("b");
        buffer.RecordHit("b");
        buffer.RecordMiss();

        Assert.That(buffer.Totals(), Is.EqualTo((5L, 1L)), "three drained reads plus a buffered record of two");

        Drain(buffer);
        for (var i = 0; i < StripedReadBuffer<string>.StripeCapacity + 2; i++)
        {
            buffer.RecordHit("item" + i);
        }

        Assert.That(buffer.Totals().Hits, Is.EqualTo(5 + StripedReadBuffer<string>.StripeCapacity + 2), "two reads found the stripe full");
        Drain(buffer);
        Assert.That(buffer.Totals().Hits, Is.EqualTo(5 + StripedReadBuffer<string>.StripeCapacity + 2), "draining moves reads, it does not lose or add any");
    }

    private static List<(string Item, int Reads)> Drain(StripedReadBuffer<string> buffer)
    {
        var drained = new List<(string, int)>();
        buffer.Drain((item, reads) => drained.Add((item, reads)));
        return drained;
    }
}
