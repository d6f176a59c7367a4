using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// Replacing a broken resource: acquire, mark it broken and return it, so the pool closes it and the next acquire
/// opens a new one; beside the hand-rolled <see cref="SemaphoreSlim"/> + <see cref="ConcurrentBag{T}"/> pool (the
/// baseline), which disposes the broken one and creates another. The close and the open complete synchronously, so
/// this measures the pool's own cost per close and open: the close's token and destroy timeout, the slot it holds
/// until closed, the create timeout, the bookkeeping.
/// </summary>
[MemoryDiagnoser]
public class ResourcePoolReplaceBrokenBenchmark
{
    private const int Operations = 20_000;
    private const int Size = 8;
    private ResourcePool<Connection> _pool = null!;
    private SemaphoreSlim _semaphore = null!;
    private ConcurrentBag<Connection> _bag = null!;

    [Params(1, 4)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new ResourcePoolOptions { Name = "bench", MinSize = 0, MaxSize = Size, PruneInterval = TimeSpan.FromDays(1) };
        _pool = new ResourcePool<Connection>(options, _ => ValueTask.FromResult(new Connection()));
        _semaphore = new SemaphoreSlim(Size, Size);
        _bag = [];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _semaphore.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public Task SemaphoreAndBag() => ConcurrentLoops.RunAsync(Workers, Operations, SemaphoreLoopAsync);

    [Benchmark(OperationsPerInvoke = Operations)]
    public Task ResourcePool() => ConcurrentLoops.RunAsync(Workers, Operations, PoolLoopAsync);

    private async Task PoolLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var lease = await _pool.AcquireAsync().ConfigureAwait(false);
            lease.Resource.Uses++;
            lease.MarkBroken();
            lease.Dispose(); // closed now; its slot comes back when the close ends
        }
    }

    private async Task SemaphoreLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _semaphore.WaitAsync().ConfigureAwait(false);
            if (!_bag.TryTake(out var connection))
            {
                connection = new Connection();
            }

            connection.Uses++;
            connection.Dispose(); // broken: closed instead of put back
            _semaphore.Release();
        }
    }

    public sealed class Connection : IDisposable
    {
        public int Uses { get; set; }

        public bool Closed { get; private set; }

        public void Dispose() => Closed = true;
    }
}
