using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using ResourceKit.Memory.ResourcePooling;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// Acquire and release of a warm resource, beside the hand-rolled <see cref="SemaphoreSlim"/> +
/// <see cref="ConcurrentBag{T}"/> pool (the baseline). 4 workers share 8 resources, so no one waits.
/// </summary>
[MemoryDiagnoser]
public class ResourcePoolAcquireReleaseBenchmark
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
        var options = new ResourcePoolOptions { Name = "bench", MinSize = Size, MaxSize = Size, MaxIdleTime = TimeSpan.FromDays(1), MaxLifetime = TimeSpan.FromDays(1) };
        _pool = new ResourcePool<Connection>(options, _ => ValueTask.FromResult(new Connection()));
        _pool.WarmUpAsync().AsTask().GetAwaiter().GetResult();
        _semaphore = new SemaphoreSlim(Size, Size);
        _bag = new ConcurrentBag<Connection>(Enumerable.Range(0, Size).Select(_ => new Connection()));
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
            lease.Dispose();
        }
    }

    private async Task SemaphoreLoopAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _semaphore.WaitAsync().ConfigureAwait(false);
            _bag.TryTake(out var connection);
            connection!.Uses++;
            _bag.Add(connection);
            _semaphore.Release();
        }
    }

    public sealed class Connection
    {
        public int Uses { get; set; }
    }
}
