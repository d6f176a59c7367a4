using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Memory.BudgetedPools;

namespace ResourceKit.Memory.Tests.BudgetedPools;

public sealed class MemoryPoolRegistryTests
{
    [Test]
    public void GetOrCreate_SameName_ReturnsSamePoolNamedByKey()
    {
        using var registry = new MemoryPoolRegistry(timeProvider: new FakeTimeProvider());

        var first = registry.GetOrCreate("patterns", new BudgetedMemoryPoolOptions { Name = "ignored", MaxBytes = 500 });
        var second = registry.GetOrCreate("patterns", new BudgetedMemoryPoolOptions { MaxBytes = 9_999 });

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(first.Name, Is.EqualTo("patterns"));
            Assert.That(first.Statistics.MaxBytes, Is.EqualTo(500));
        });
    }

    [Test]
    public void GetOrCreate_ManyThreadsRacingForEachName_CreateOnePoolAndOneMetricSeriesEach()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var series = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "resourcekit.memory.pool.used" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => series.Add((string)tags[0].Value!));
        listener.Start();
        using var registry = new MemoryPoolRegistry(timeProvider: new FakeTimeProvider(), meterFactory: meterFactory);
        const int Names = 50;
        const int Threads = 8;
        var results = new BudgetedMemoryPool[Names, Threads];
        using var round = new Barrier(Threads);

        // Dedicated threads meet at a barrier before each name, so every name is created by eight threads at once.
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (var n = 0; n < Names; n++)
            {
                round.SignalAndWait();
                results[n, t] = registry.GetOrCreate("pool-" + n, new BudgetedMemoryPoolOptions { MaxBytes = 1000 });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        for (var n = 0; n < Names; n++)
        {
            Assert.That(Enumerable.Range(0, Threads).Select(t => results[n, t]).Distinct().Count(), Is.EqualTo(1));
        }

        listener.RecordObservableInstruments();
        Assert.That(series, Has.Count.EqualTo(Names), "a pool that lost a creation race must not report a second series");
        Assert.That(series, Is.Unique);
    }

    [Test]
    public void Constructor_ConfiguredPools_CreatedUpFront()
    {
        var pools = new Dictionary<string, BudgetedMemoryPoolOptions>
        {
            ["contexts"] = new() { MaxBytes = 1000 },
            ["patterns"] = new() { MaxBytes = 2000 },
        };
        using var registry = new MemoryPoolRegistry(pools, new FakeTimeProvider());

        Assert.Multiple(() =>
        {
            Assert.That(registry.TryGet("contexts", out _), Is.True);
            Assert.That(registry.TryGet("missing", out _), Is.False);
            Assert.That(registry.Statistics.Select(s => s.Name), Is.EqualTo(new[] { "contexts", "patterns" }));
        });
    }

    [Test]
    public void Trim_Half_TrimsEveryPool()
    {
        using var registry = new MemoryPoolRegistry(timeProvider: new FakeTimeProvider());
        var a = registry.GetOrCreate("a", new BudgetedMemoryPoolOptions { MaxBytes = 1000 });
        var b = registry.GetOrCreate("b", new BudgetedMemoryPoolOptions { MaxBytes = 1000 });
        for (var i = 0; i < 4; i++)
        {
            a.TryAdd($"k{i}", i, 100);
            b.TryAdd($"k{i}", i, 100);
        }

        var freed = registry.Trim(0.5);

        Assert.Multiple(() =>
        {
            Assert.That(freed, Is.EqualTo(400));
            Assert.That(a.Statistics.UsedBytes, Is.EqualTo(200));
            Assert.That(b.Statistics.UsedBytes, Is.EqualTo(200));
        });
    }

    [Test]
    public void GetOrCreate_InvalidBudget_ThrowsWithMessage()
    {
        using var registry = new MemoryPoolRegistry(timeProvider: new FakeTimeProvider());

        Assert.That(
            () => registry.GetOrCreate("bad", new BudgetedMemoryPoolOptions { MinBytes = 10, MaxBytes = 5 }),
            Throws.ArgumentException.With.Message.Contains("MaxBytes (5) must not be less than MinBytes (10)"));
    }
}
