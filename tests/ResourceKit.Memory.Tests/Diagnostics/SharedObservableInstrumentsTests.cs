using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.ObjectPool;
using ResourceKit.Memory.BudgetedPools;
using ResourceKit.Memory.LazyComponents;
using ResourceKit.Memory.ObjectPooling;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Memory.Tests.Diagnostics;

/// <summary>Pools created and disposed at run time on a host's shared meter factory.</summary>
public sealed class SharedObservableInstrumentsTests
{
    [Test]
    public void BudgetedPools_CreatedAndDisposedOnOneFactory_PublishOneInstrumentAndReportOnlyLivePools()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var probe = new SeriesProbe(meterFactory, "resourcekit.memory.pool.used");
        var time = new FakeTimeProvider();
        using var kept = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { Name = "kept", MaxBytes = 1000 }, time, meterFactory);

        for (var i = 0; i < 100; i++)
        {
            using var transient = new BudgetedMemoryPool(new BudgetedMemoryPoolOptions { Name = "transient-" + i, MaxBytes = 1000 }, time, meterFactory);
        }

        Assert.That(probe.Published, Is.EqualTo(1), "one instrument, not one per pool");
        Assert.That(probe.Collect(), Is.EqualTo(new[] { "kept" }));
    }

    [Test]
    public async Task ResourcePools_Disposed_StopReportingAndCanBeCollected()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var probe = new SeriesProbe(meterFactory, "resourcekit.memory.resource_pool.in_use");
        await using var kept = CreatePool("kept", meterFactory);

        var released = await CreateAndDisposeAsync(meterFactory);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.That(probe.Collect(), Is.EqualTo(new[] { "kept" }));
        Assert.That(released.IsAlive, Is.False, "the meter's callbacks no longer hold a disposed pool");
    }

    [Test]
    public void ObjectPools_CreatedAndDisposedOnOneFactory_PublishEachInstrumentOnceAndCanBeCollected()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var probe = new SeriesProbe(meterFactory, "resourcekit.memory.object_pool.rented");
        var provider = new BoundedObjectPoolProvider(meterFactory: meterFactory);
        using var kept = (BoundedObjectPool<List<int>>)provider.Create(new DefaultPooledObjectPolicy<List<int>>());

        var released = CreateAndDisposeObjectPool(provider);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Multiple(() =>
        {
            Assert.That(probe.Published, Is.EqualTo(1), "one instrument for every pool, not one per pool");
            Assert.That(probe.Collect(), Is.EqualTo(new[] { "System.Collections.Generic.List<System.Int32>" }));
            Assert.That(released.IsAlive, Is.False, "the meter's callbacks no longer hold a disposed pool");
        });
    }

    [Test]
    public async Task LazyComponentRegistries_Disposed_StopReportingAndCanBeCollected()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var probe = new SeriesProbe(meterFactory, "resourcekit.memory.lazy.loaded");
        await using var kept = new LazyComponentRegistry(timeProvider: new FakeTimeProvider(), meterFactory: meterFactory);

        var released = await CreateAndDisposeRegistryAsync(meterFactory);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Multiple(() =>
        {
            Assert.That(probe.Published, Is.EqualTo(1));
            Assert.That(probe.Collect(), Has.Count.EqualTo(1), "only the live registry reports");
            Assert.That(released.IsAlive, Is.False, "the meter's callbacks no longer hold a disposed registry");
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CreateAndDisposeObjectPool(BoundedObjectPoolProvider provider)
    {
        var pool = (BoundedObjectPool<List<string>>)provider.Create(new DefaultPooledObjectPolicy<List<string>>());
        pool.Dispose();
        return new WeakReference(pool);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> CreateAndDisposeRegistryAsync(IMeterFactory meterFactory)
    {
        var registry = new LazyComponentRegistry(timeProvider: new FakeTimeProvider(), meterFactory: meterFactory);
        await registry.DisposeAsync();
        return new WeakReference(registry);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> CreateAndDisposeAsync(IMeterFactory meterFactory)
    {
        var pool = CreatePool("transient", meterFactory);
        await pool.DisposeAsync();
        return new WeakReference(pool);
    }

    private static ResourcePool<object> CreatePool(string name, IMeterFactory meterFactory) =>
        new(new ResourcePoolOptions { Name = name, MaxSize = 2 }, _ => ValueTask.FromResult(new object()), timeProvider: new FakeTimeProvider(), meterFactory: meterFactory);

    /// <summary>Counts one instrument's publications on a factory's meters and lists the pool tags of one collection.</summary>
    private sealed class SeriesProbe : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<string> _pools = [];
        private int _published;

        public SeriesProbe(IMeterFactory meterFactory, string instrumentName)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == instrumentName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    _published++;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => _pools.Add((string)tags[0].Value!));
            _listener.SetMeasurementEventCallback<int>((_, _, tags, _) => _pools.Add((string)tags[0].Value!));
            _listener.Start();
        }

        public int Published => _published;

        public IReadOnlyList<string> Collect()
        {
            _pools.Clear();
            _listener.RecordObservableInstruments();
            return [.. _pools];
        }

        public void Dispose() => _listener.Dispose();
    }
}
