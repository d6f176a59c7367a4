using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// What the resource pool suites share: ResourceKit's pool beside a hand-rolled <see cref="SemaphoreSlim"/> +
/// <see cref="ConcurrentBag{T}"/> pool of the same size (the baseline), each driven by 1 or 4 workers. A suite sets up
/// both pools and writes the loop each one runs.
/// </summary>
public abstract class ResourcePoolSuite
{
    protected const int Operations = 20_000;
    protected const int Size = 8;

    [Params(1, 4)]
    public int Workers { get; set; }

    protected ResourcePool<Connection> Pool { get; set; } = null!;

    protected SemaphoreSlim Semaphore { get; } = new(Size, Size);

    protected ConcurrentBag<Connection> Bag { get; set; } = [];

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public Task SemaphoreAndBag() => ConcurrentLoops.RunAsync(Workers, Operations, SemaphoreLoopAsync);

    [Benchmark(OperationsPerInvoke = Operations)]
    public Task ResourcePool() => ConcurrentLoops.RunAsync(Workers, Operations, PoolLoopAsync);

    [GlobalCleanup]
    public void Cleanup()
    {
        Pool.Dispose();
        Semaphore.Dispose();
    }

    /// <summary>Runs <paramref name="count"/> operations on ResourceKit's pool.</summary>
    protected abstract Task PoolLoopAsync(int count);

    /// <summary>Runs <paramref name="count"/> operations on the hand-rolled pool.</summary>
    protected abstract Task SemaphoreLoopAsync(int count);

    /// <summary>The pooled resource: counts its uses and records being closed.</summary>
    public sealed class Connection : IDisposable
    {
        public int Uses { get; set; }

        public bool Closed { get; private set; }

        public void Dispose() => Closed = true;
    }
}
