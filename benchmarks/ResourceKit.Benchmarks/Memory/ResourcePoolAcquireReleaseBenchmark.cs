using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// Acquire and release of a warm resource, beside the hand-rolled <see cref="SemaphoreSlim"/> +
/// <see cref="ConcurrentBag{T}"/> pool (the baseline). 4 workers share 8 resources, so no one waits.
/// </summary>
[MemoryDiagnoser]
public class ResourcePoolAcquireReleaseBenchmark : ResourcePoolSuite
{
    [GlobalSetup]
    public void Setup()
    {
        var options = new ResourcePoolOptions { Name = "bench", MinSize = Size, MaxSize = Size, MaxIdleTime = TimeSpan.FromDays(1), MaxLifetime = TimeSpan.FromDays(1) };
        Pool = new ResourcePool<Connection>(options, _ => ValueTask.FromResult(new Connection()));
        Pool.WarmUpAsync().AsTask().GetAwaiter().GetResult();
        Bag = new ConcurrentBag<Connection>(Enumerable.Range(0, Size).Select(_ => new Connection()));
    }

    protected override async Task PoolLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var lease = await Pool.AcquireAsync().ConfigureAwait(false);
            lease.Resource.Uses++;
            lease.Dispose();
        }
    }

    protected override async Task SemaphoreLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Semaphore.WaitAsync().ConfigureAwait(false);
            Bag.TryTake(out var connection);
            connection!.Uses++;
            Bag.Add(connection);
            Semaphore.Release();
        }
    }
}
