using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

public class SpendLedgerSoakTests
{
    private const int Threads = 64;
    private const int Reservations = 10_000;
    private const decimal Limit = 25m;

    [Test]
    public async Task TryReserveAsync_10000From64Threads_NeverOverBudgetAndNothingLost()
    {
        var (ledger, _, store) = Create(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), Options(Rule("daily", Limit)));
        using var _ = ledger;
        var result = await RunAsync(ledger, Reservations);

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(result.Violations, Is.Zero, "committed + reserved exceeded the limit");
            Assert.That(result.Granted, Is.GreaterThan(0));
            Assert.That(result.Denied, Is.GreaterThan(0), "the test must push past the limit");
            Assert.That(status.Committed, Is.EqualTo(result.Settled), "sum settled equals ledger total");
            Assert.That(status.Committed, Is.LessThanOrEqualTo(Limit));
            Assert.That(status.Reserved, Is.Zero, "nothing leaked");
            Assert.That(store.OpenReservations, Is.Zero);
        });
    }

    [Test]
    public async Task TryReserveAsync_ShutdownRuleDrainedFrom64Threads_RaisesShutdownExactlyOnceAndNeverOverspends()
    {
        var (ledger, _, store) = Create(
            new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), Options(Rule("monthly", Limit, BudgetWindow.Monthly, BudgetAction.Shutdown)));
        using var _ = ledger;
        var shutdowns = 0;
        var limits = 0;
        ledger.ShutdownRequested += (_, _) => Interlocked.Increment(ref shutdowns);
        ledger.LimitReached += (_, _) => Interlocked.Increment(ref limits);

        var result = await RunAsync(ledger, Reservations);
        Assert.That(result.Violations, Is.Zero);

        // Leave less than one request's worth, then let every thread be refused at once: the refusals race to raise.
        var committed = (await ledger.GetStatusAsync(ChatSpend))[0].Committed;
        if (committed < Limit - 0.005m)
        {
            await ledger.RecordAsync(ChatSpend, Limit - 0.005m - committed);
        }

        using var start = new Barrier(Threads);
        var granted = 0;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 20; i++)
                {
                    if (ledger.TryReserveAsync(ChatSpend, 0.01m).AsTask().GetAwaiter().GetResult().IsGranted)
                    {
                        Interlocked.Increment(ref granted);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(granted, Is.Zero);
            Assert.That(status.Committed, Is.LessThanOrEqualTo(Limit));
            Assert.That(status.IsLimitReached, Is.True);
            Assert.That(shutdowns, Is.EqualTo(1), "however many refusals and settles race, once per period");
            Assert.That(limits, Is.EqualTo(1));
            Assert.That(store.OpenReservations, Is.Zero);
        });
    }

    [Test]
    public async Task TryReserveAsync_FileStoreUnderConcurrency_KeepsInvariantAndPersists()
    {
        var path = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"), "ledger.json");
        try
        {
            var options = Options(Rule("daily", 1m));
            var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
            decimal settled;
            using (var store = new FileSpendStore(path, compactionThreshold: 50, flushToDisk: false))
            using (var ledger = new SpendLedger(options, store, time))
            {
                var result = await RunAsync(ledger, 400);
                Assert.That(result.Violations, Is.Zero);
                settled = result.Settled;
            }

            using var reopened = new FileSpendStore(path);
            using var again = new SpendLedger(options, reopened, time);
            Assert.That((await again.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo(settled));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>Reserves $0.01 at a time from many threads, settling most (at up to the estimate) and releasing some.</summary>
    internal static async Task<(int Granted, int Denied, decimal Settled, int Violations)> RunAsync(SpendLedger ledger, int total)
    {
        var remaining = total;
        var granted = 0;
        var denied = 0;
        var violations = 0;
        var settled = 0m;
        var gate = new Lock();
        using var start = new Barrier(Threads + 1);
        var monitorDone = false;

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var random = new Random(t);
                while (Interlocked.Decrement(ref remaining) >= 0)
                {
                    var reservation = ledger.TryReserveAsync(ChatSpend, 0.01m).AsTask().GetAwaiter().GetResult();
                    if (!reservation.IsGranted)
                    {
                        Interlocked.Increment(ref denied);
                        continue;
                    }

                    Interlocked.Increment(ref granted);
                    if (random.Next(10) == 0)
                    {
                        ledger.ReleaseAsync(reservation.Reservation).AsTask().GetAwaiter().GetResult();
                        continue;
                    }

                    var actual = random.Next(1, 11) / 1000m;
                    ledger.SettleAsync(reservation.Reservation, actual).AsTask().GetAwaiter().GetResult();
                    lock (gate)
                    {
                        settled += actual;
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        var monitor = Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                while (!Volatile.Read(ref monitorDone))
                {
                    var status = ledger.GetStatusAsync(ChatSpend).AsTask().GetAwaiter().GetResult()[0];
                    if (status.Committed + status.Reserved > status.Limit)
                    {
                        Interlocked.Increment(ref violations);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await Task.WhenAll(workers);
        Volatile.Write(ref monitorDone, true);
        await monitor;
        return (granted, denied, settled, violations);
    }
}
