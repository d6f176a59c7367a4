using BenchmarkDotNet.Attributes;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Benchmarks.Cost;

/// <summary>
/// Reserve + settle throughput of <see cref="SpendLedger"/> (memory store, the three seed rules, 16 counters per
/// call: four windows by global/category/model/agent) beside a plain lock-based ledger, at 1 and 4 threads.
/// </summary>
[MemoryDiagnoser]
public class BudgetReserveSettleBenchmarks
{
    private const int Operations = 4_000;
    private static readonly SpendAttribution Attribution = new("chat", "gpt-4o", "planner");

    private SpendLedger _ledger = null!;
    private LockedBudgetLedger _locked = null!;

    /// <summary>Gets or sets the number of threads sharing the ledger.</summary>
    [Params(1, 4)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new CostOptions
        {
            Rules =
            [
                new BudgetRule { Name = "hourly", Limit = 1_000_000_000m, Window = BudgetWindow.Hourly, Action = BudgetAction.Throttle },
                new BudgetRule { Name = "daily", Limit = 1_000_000_000m, Window = BudgetWindow.Daily, Action = BudgetAction.Block },
                new BudgetRule { Name = "monthly", Limit = 1_000_000_000m, Window = BudgetWindow.Monthly, Action = BudgetAction.Shutdown },
            ],
        };
        _ledger = new SpendLedger(options, new MemorySpendStore());
        _locked = new LockedBudgetLedger(1_000_000_000m);
    }

    [GlobalCleanup]
    public void Cleanup() => _ledger.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public void PlainLockLedger() => Run(() =>
    {
        if (_locked.TryReserve(0.01m))
        {
            _locked.Settle(0.01m, 0.008m);
        }
    });

    [Benchmark(OperationsPerInvoke = Operations)]
    public void ResourceKitSpendLedger() => Run(() =>
    {
        var result = Wait(_ledger.TryReserveAsync(Attribution, 0.01m));
        if (result.IsGranted)
        {
            Wait(_ledger.SettleAsync(result.Reservation, 0.008m));
        }
    });

    // A completed ValueTask is read directly: AsTask() would allocate a Task the ledger never created.
    private static T Wait<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private void Run(Action operation)
    {
        var perThread = Operations / Threads;
        if (Threads == 1)
        {
            for (var i = 0; i < perThread; i++)
            {
                operation();
            }

            return;
        }

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            for (var i = 0; i < perThread; i++)
            {
                operation();
            }
        });
    }
}
