using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ResourceKit.Scheduling;

namespace ResourceKit.Benchmarks.Scheduling;

/// <summary>
/// Tick accuracy of a 10 ms agent loop (timer, dispatch through the scheduler, run) beside a bare
/// <see cref="PeriodicTimer"/>. Each operation waits for ten ticks; the per-tick deviation from the interval
/// (|actual gap − 10 ms|) is printed as p50/p99 at cleanup.
/// </summary>
[MemoryDiagnoser]
public class SchedulerLoopTickBenchmark
{
    private const int Ticks = 10;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private static readonly long IntervalTicks = Stopwatch.Frequency / 100;

    private readonly LatencySamples _deviation = new();
    private PeriodicTimer? _timer;
    private PriorityScheduler? _scheduler;
    private AgentLoopScheduler? _loops;
    private long _lastLoopTick;
    private int _loopRemaining;
    private TaskCompletionSource _loopDone = new();

    [GlobalSetup(Target = nameof(PeriodicTimerTicks))]
    public void SetupTimer() => _timer = new PeriodicTimer(Interval);

    [GlobalSetup(Target = nameof(AgentLoopTicks))]
    public void SetupLoop()
    {
        _scheduler = new PriorityScheduler(new PrioritySchedulerOptions(), cpuSource: new IdleCpuSource());
        _loops = new AgentLoopScheduler(_scheduler);
        _loops.Add("tick", new AgentLoopOptions { Interval = Interval, Priority = WorkPriority.Critical }, _ =>
        {
            long now = Stopwatch.GetTimestamp();
            if (_lastLoopTick != 0)
            {
                _deviation.Add(Math.Abs(now - _lastLoopTick - IntervalTicks));
            }

            _lastLoopTick = now;
            if (Interlocked.Decrement(ref _loopRemaining) == 0)
            {
                _loopDone.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        _loops.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine("// Tick deviation " + _deviation.Describe(_timer is null ? "AgentLoopScheduler" : "PeriodicTimer"));
        _timer?.Dispose();
        _loops?.StopAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
        _scheduler?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task PeriodicTimerTicks()
    {
        long last = 0;
        for (int i = 0; i < Ticks; i++)
        {
            await _timer!.WaitForNextTickAsync().ConfigureAwait(false);
            long now = Stopwatch.GetTimestamp();
            if (last != 0)
            {
                _deviation.Add(Math.Abs(now - last - IntervalTicks));
            }

            last = now;
        }
    }

    [Benchmark]
    public Task AgentLoopTicks()
    {
        _loopDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _loopRemaining, Ticks);
        return _loopDone.Task;
    }
}
