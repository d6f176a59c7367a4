using System.Diagnostics;
using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using ResourceKit.Scheduling;

namespace ResourceKit.Benchmarks.Scheduling;

/// <summary>
/// Queue wait of a Critical item (submit to start), idle and while Background work saturates every worker, beside a
/// plain FIFO queue (a Channel with one consumer per core). Each operation submits probes one after another; the
/// per-probe waits are printed as p50/p99 at cleanup, because BenchmarkDotNet's statistics are per-iteration means.
/// </summary>
[MemoryDiagnoser]
public class SchedulerCriticalWaitBenchmark
{
    private const int Probes = 50;
    private static readonly long BackgroundTicks = Stopwatch.Frequency / 5_000; // 200 us of CPU per background item

    private readonly LatencySamples _waits = new();
    private PriorityScheduler _scheduler = null!;
    private Channel<Action> _fifo = null!;
    private Task[] _fifoConsumers = [];
    private Action<CancellationToken> _schedulerBackground = null!;
    private Action _fifoBackground = null!;
    private volatile bool _stopping;

    [Params(false, true)]
    public bool Saturated { get; set; }

    [GlobalSetup(Target = nameof(FifoQueueCritical))]
    public void SetupFifo()
    {
        _fifo = Channel.CreateUnbounded<Action>();
        _fifoConsumers = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(ConsumeFifoAsync)).ToArray();
        _fifoBackground = () =>
        {
            Spin();
            if (!_stopping)
            {
                _fifo.Writer.TryWrite(_fifoBackground);
            }
        };
        for (int i = 0; Saturated && i < 2 * Environment.ProcessorCount; i++)
        {
            _fifo.Writer.TryWrite(_fifoBackground);
        }
    }

    [GlobalSetup(Target = nameof(PrioritySchedulerCritical))]
    public void SetupScheduler()
    {
        _scheduler = new PriorityScheduler(new PrioritySchedulerOptions { MaxConcurrency = Environment.ProcessorCount, CriticalReserve = 1 }, cpuSource: new IdleCpuSource());
        _schedulerBackground = _ =>
        {
            Spin();
            if (!_stopping)
            {
                _scheduler.TrySchedule(_schedulerBackground, WorkPriority.Background, cancellationToken: CancellationToken.None);
            }
        };
        for (int i = 0; Saturated && i < 2 * Environment.ProcessorCount; i++)
        {
            _scheduler.TrySchedule(_schedulerBackground, WorkPriority.Background);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        Console.WriteLine("// Critical wait " + _waits.Describe((_scheduler is null ? "FIFO" : "PriorityScheduler") + (Saturated ? " saturated" : " idle")));
        _fifo?.Writer.TryComplete();
        _scheduler?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Probes)]
    public async Task FifoQueueCritical()
    {
        for (int i = 0; i < Probes; i++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long submitted = Stopwatch.GetTimestamp();
            _fifo.Writer.TryWrite(() =>
            {
                _waits.Add(Stopwatch.GetTimestamp() - submitted);
                started.SetResult();
            });
            await started.Task.ConfigureAwait(false);
        }
    }

    [Benchmark(OperationsPerInvoke = Probes)]
    public async Task PrioritySchedulerCritical()
    {
        for (int i = 0; i < Probes; i++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long submitted = Stopwatch.GetTimestamp();
            _scheduler.TrySchedule(_ =>
            {
                _waits.Add(Stopwatch.GetTimestamp() - submitted);
                started.SetResult();
            }, WorkPriority.Critical);
            await started.Task.ConfigureAwait(false);
        }
    }

    private static void Spin()
    {
        long end = Stopwatch.GetTimestamp() + BackgroundTicks;
        while (Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(20);
        }
    }

    private async Task ConsumeFifoAsync()
    {
        var reader = _fifo.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var work))
            {
                work();
            }
        }
    }
}
