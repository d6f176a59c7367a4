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
public class ResourcePoolReplaceBrokenBenchmark : ResourcePoolSuite
{
    [GlobalSetup]
    public void Setup()
    {
        var options = new ResourcePoolOptions { Name = "bench", MinSize = 0, MaxSize = Size, PruneInterval = TimeSpan.FromDays(1) };
        Pool = new ResourcePool<Connection>(options, _ => ValueTask.FromResult(new Connection()));
    }

    protected override async Task PoolLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var lease = await Pool.AcquireAsync().ConfigureAwait(false);
            lease.Resource.Uses++;
            lease.MarkBroken();
            lease.Dispose(); // closed now; its slot comes back when the close ends
        }
    }

    protected override async Task SemaphoreLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Semaphore.WaitAsync().ConfigureAwait(false);
            if (!Bag.TryTake(out var connection))
            {
                connection = new Connection();
            }

            connection.Uses++;
            connection.Dispose(); // broken: closed instead of put back
            Semaphore.Release();
        }
    }
}
