using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.ObjectPool;
using ResourceKit.Memory.ObjectPooling;

namespace ResourceKit.Benchmarks.Memory;

/// <summary>
/// One rent and return, beside <see cref="DefaultObjectPool{T}"/> (the baseline) and plain allocation. The same
/// 40 000 operations run on 1 thread or split over 4 threads, so the 4-thread figure is wall time per operation.
/// </summary>
[MemoryDiagnoser]
public class ObjectPoolRentReturnBenchmark
{
    private const int Operations = 40_000;
    private DefaultObjectPool<Message> _default = null!;
    private BoundedObjectPool<Message> _bounded = null!;
    private Action<int> _defaultLoop = null!;
    private Action<int> _boundedLoop = null!;
    private Action<int> _newLoop = null!;

    [Params(1, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _default = new DefaultObjectPool<Message>(new DefaultPooledObjectPolicy<Message>(), Environment.ProcessorCount * 2);
        _bounded = new BoundedObjectPool<Message>(new DefaultPooledObjectPolicy<Message>(), new BoundedObjectPoolOptions { MaximumRetained = Environment.ProcessorCount * 2 });
        _defaultLoop = count => Loop(_default, count);
        _boundedLoop = count => Loop(_bounded, count);
        _newLoop = LoopNew;
    }

    [GlobalCleanup]
    public void Cleanup() => _bounded.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public void DefaultObjectPool() => Run(_defaultLoop);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void BoundedObjectPool() => Run(_boundedLoop);

    [Benchmark(OperationsPerInvoke = Operations)]
    public void PlainNew() => Run(_newLoop);

    private void Run(Action<int> loop)
    {
        if (Threads == 1)
        {
            loop(Operations);
            return;
        }

        var perThread = Operations / Threads;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ => loop(perThread));
    }

    private static void Loop(ObjectPool<Message> pool, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var message = pool.Get();
            message.Id = i;
            pool.Return(message);
        }
    }

    private static void LoopNew(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var message = new Message { Id = i };
            GC.KeepAlive(message);
        }
    }

    public sealed class Message
    {
        public int Id { get; set; }

        public string? Text { get; set; }
    }
}
