using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using ResourceKit.Scheduling;

namespace ResourceKit.Benchmarks.Scheduling;

/// <summary>
/// Per-item dispatch overhead: a burst of empty work items and the wait for the last one, beside the thread pool
/// (the baseline), <c>Task.Run</c> (the thread pool's Task-returning counterpart of <c>TrySchedule</c>) and a Channel
/// consumer loop with one consumer per core.
/// </summary>
[MemoryDiagnoser]
public class SchedulerDispatchBenchmark
{
    private const int Items = 10_000;
    private PriorityScheduler _scheduler = null!;
    private Channel<Action> _channel = null!;
    private Task[] _consumers = [];
    private Action<CancellationToken> _schedulerWork = null!;
    private Action _channelWork = null!;
    private int _remaining;
    private TaskCompletionSource _done = new();

    [GlobalSetup]
    public void Setup()
    {
        _scheduler = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = Environment.ProcessorCount, CriticalReserve = 0 }, cpuSource: new IdleCpuSource());
        _schedulerWork = _ => Done();
        _channelWork = Done;
        _channel = Channel.CreateUnbounded<Action>();
        _consumers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(ConsumeAsync)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Writer.TryComplete();
        Task.WaitAll(_consumers);
        _scheduler.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items)]
    public Task ThreadPoolQueue()
    {
        Reset();
        for (int i = 0; i < Items; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Done(), this, preferLocal: false);
        }

        return _done.Task;
    }

    /// <summary>The thread pool's own Task-returning submission, the counterpart of <c>TrySchedule</c>.</summary>
    [Benchmark(OperationsPerInvoke = Items)]
    public Task TaskRun()
    {
        Reset();
        for (int i = 0; i < Items; i++)
        {
            _ = Task.Run(_channelWork);
        }

        return _done.Task;
    }

    [Benchmark(OperationsPerInvoke = Items)]
    public Task ChannelConsumers()
    {
        Reset();
        for (int i = 0; i < Items; i++)
        {
            _channel.Writer.TryWrite(_channelWork);
        }

        return _done.Task;
    }

    [Benchmark(OperationsPerInvoke = Items)]
    public Task PrioritySchedulerTrySchedule()
    {
        Reset();
        for (int i = 0; i < Items; i++)
        {
            _scheduler.TrySchedule(_schedulerWork, WorkPriority.Normal);
        }

        return _done.Task;
    }

    [Benchmark(OperationsPerInvoke = Items)]
    public Task PrioritySchedulerTryPost()
    {
        Reset();
        for (int i = 0; i < Items; i++)
        {
            _scheduler.TryPost(_schedulerWork, WorkPriority.Normal);
        }

        return _done.Task;
    }

    private void Reset()
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, Items);
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    private async Task ConsumeAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var work))
            {
                work();
            }
        }
    }
}
