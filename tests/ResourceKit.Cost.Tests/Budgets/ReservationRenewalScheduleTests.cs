using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

/// <summary>
/// The ledger's one renewal timer for the holds of running calls (reached through <see cref="SpendLedger.KeepAlive"/>,
/// <see cref="SpendLedger.StopKeepAlive"/> and <see cref="SpendLedger.Renewals"/>).
/// </summary>
public sealed class ReservationRenewalScheduleTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TimeToLive = CostOptions.DefaultReservationTimeToLive;
    private static readonly TimeSpan Interval = TimeToLive / 3;

    // The fake clock runs every timer due within an Advance at its end, so a renewal lands on the first step at or after its due time.
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    private TimerCountingTimeProvider _time = null!;
    private MemorySpendStore _memory = null!;
    private FlakySpendStore _store = null!;
    private FakeLogger<SpendLedger> _logger = null!;
    private SpendLedger _ledger = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new TimerCountingTimeProvider(Start);
        _memory = new MemorySpendStore();
        _store = new FlakySpendStore(_memory);
        _logger = new FakeLogger<SpendLedger>();
        _ledger = new SpendLedger(Options(Rule("daily", 1_000m)), _store, _time, _logger);
    }

    [TearDown]
    public void Dispose() => _ledger?.Dispose();

    [Test]
    public async Task KeepAlive_ManyConcurrentHolds_EachRenewedOnTimeNoneAfterItStopsAndNoneLeftBehind()
    {
        const int Threads = 8;
        const int PerThread = 25;
        const int Rounds = 4;
        var holds = new ConcurrentDictionary<string, (BudgetReservation Hold, DateTimeOffset From)>();
        for (var round = 0; round < Rounds; round++)
        {
            // Each round starts at another time, so the holds fall due at staggered times.
            var from = _time.GetUtcNow();
            await Task.WhenAll(Enumerable.Range(0, Threads).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    var hold = (await _ledger.TryReserveAsync(ChatSpend, 0.01m)).Reservation!;
                    _ledger.KeepAlive(hold);
                    holds[hold.Id] = (hold, from);
                }
            })));
            _time.Advance(TimeSpan.FromSeconds(7));
        }

        const int Total = Threads * PerThread * Rounds;
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(Total));
        AdvanceAndCheckNoHoldLapses(TimeSpan.FromMinutes(15), Total);
        AssertRenewedEveryInterval(holds.Values, until: _time.GetUtcNow());

        // Half the calls end, from many threads at once; the other half keep running.
        var ending = holds.Values.Where((_, i) => i % 2 == 0).Select(h => h.Hold).ToArray();
        var endedAt = _time.GetUtcNow();
        await Task.WhenAll(ending.Chunk(ending.Length / Threads).Select(chunk => Task.Run(async () =>
        {
            foreach (var hold in chunk)
            {
                _ledger.StopKeepAlive(hold);
                await _ledger.SettleAsync(hold, 0.01m);
            }
        })));
        var running = holds.Values.Where(h => !ending.Contains(h.Hold)).ToArray();
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(running.Length));
        AdvanceAndCheckNoHoldLapses(TimeSpan.FromMinutes(15), running.Length);

        var endedIds = ending.Select(h => h.Id).ToHashSet();
        Assert.That(_store.Extensions.Where(e => endedIds.Contains(e.Id) && e.At > endedAt), Is.Empty, "no hold is renewed after its call ended");
        AssertRenewedEveryInterval(running, until: _time.GetUtcNow());

        foreach (var (hold, _) in running)
        {
            _ledger.StopKeepAlive(hold);
            await _ledger.ReleaseAsync(hold);
        }

        var extensions = _store.Extensions.Count;
        AdvanceInSteps(TimeSpan.FromMinutes(15));
        Assert.That(_ledger.Renewals.Count, Is.Zero, "nothing is left in the schedule");
        Assert.That(_memory.OpenReservations, Is.Zero);
        Assert.That(_ledger.LocalReserved, Is.Zero);
        Assert.That(_store.Extensions, Has.Count.EqualTo(extensions), "an empty schedule renews nothing");
        Assert.That(_time.TimersCreated, Is.EqualTo(2), "the expiry sweep's timer and one renewal timer, not one per call");
    }

    [Test]
    public async Task KeepAlive_StoreThrowsDuringRenewal_LogsAndRenewsAtTheNextDueTimeWhileOthersAreRenewed()
    {
        var failing = await HoldAsync();
        var healthy = await HoldAsync();
        var storeDown = true;
        _store.FailExtend = r => storeDown && r.Id == failing.Id;

        _time.Advance(Interval);

        var failure = _logger.Collector.GetSnapshot().Single();
        Assert.That(failure.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(failure.Exception, Is.TypeOf<IOException>());
        Assert.That(failure.Message, Does.Contain(failing.Id));
        Assert.That(failing.ExpiresAt, Is.EqualTo(Start + TimeToLive), "not renewed");
        Assert.That(healthy.ExpiresAt, Is.EqualTo(_time.GetUtcNow() + TimeToLive), "another hold's failure does not stop this one");

        storeDown = false;
        _time.Advance(Interval);

        Assert.That(failing.ExpiresAt, Is.EqualTo(_time.GetUtcNow() + TimeToLive), "the next due time tries again");
        AdvanceInSteps(TimeSpan.FromMinutes(20));
        Assert.That(_memory.OpenReservations, Is.EqualTo(2), "both holds live on");
        Assert.That(_logger.Collector.Count, Is.EqualTo(1), "one failure, logged once");
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task KeepAlive_StoreDownUntilTheHoldLapsed_ReportsTheLostHoldOnce()
    {
        var hold = await HoldAsync();
        _store.FailExtend = _ => true;
        AdvanceInSteps((3 * Interval) + CostOptions.DefaultExpirySweepInterval);
        Assert.That(_memory.OpenReservations, Is.Zero, "the expiry sweep released the hold it could not renew");
        _store.FailExtend = null;

        AdvanceInSteps(2 * Interval);

        var records = _logger.Collector.GetSnapshot();
        Assert.That(records.Count(r => r.Level == LogLevel.Warning && r.Exception is IOException), Is.EqualTo(3), "each failed renewal");
        var lost = records.Where(r => r.Level == LogLevel.Error && r.Message.Contains(hold.Id, StringComparison.Ordinal)).ToArray();
        Assert.That(lost, Has.Length.EqualTo(1), "a lapsed hold is not taken again, and is reported once");
        Assert.That(_memory.OpenReservations, Is.Zero);
        Assert.That(await _ledger.SettleAsync(hold, 0.01m), Is.True, "its spend is still committed");
        _ledger.StopKeepAlive(hold);
        Assert.That(_ledger.Renewals.Count, Is.Zero);
    }

    [Test]
    public async Task KeepAlive_StoreStillRenewingAtTheNextDueTime_DoesNotStartASecondRenewal()
    {
        var hold = await HoldAsync();
        var slow = new TaskCompletionSource();
        _store.ExtendGate = slow.Task;
        _time.Advance(Interval);
        Assert.That(_store.Extensions, Has.Count.EqualTo(1));

        _time.Advance(Interval);

        Assert.That(_store.Extensions, Has.Count.EqualTo(1), "renewals do not pile up behind a slow store");
        _store.ExtendGate = null;
        slow.SetResult();
        Assert.That(hold.ExpiresAt, Is.EqualTo(Start + Interval + TimeToLive), "the first renewal finished");
        _time.Advance(Interval);
        Assert.That(_store.Extensions, Has.Count.EqualTo(2));
        Assert.That(hold.ExpiresAt, Is.EqualTo(_time.GetUtcNow() + TimeToLive));
    }

    [Test]
    public async Task Dispose_HoldsStillScheduled_StopsRenewingAndIgnoresNewHolds()
    {
        var hold = await HoldAsync();
        var late = (await _ledger.TryReserveAsync(ChatSpend, 0.01m)).Reservation!;

        _ledger.Dispose();
        _ledger.KeepAlive(late);
        AdvanceInSteps(3 * Interval);

        Assert.That(_store.Extensions, Is.Empty);
        Assert.That(_ledger.Renewals.Count, Is.Zero);
        Assert.That(() => _ledger.StopKeepAlive(hold), Throws.Nothing);
    }

    [Test]
    public async Task KeepAlive_SameHoldTwiceAndStopTwice_RenewsOnceAndStopsHarmlessly()
    {
        var hold = await HoldAsync();
        _ledger.KeepAlive(hold);
        Assert.That(_ledger.Renewals.Count, Is.EqualTo(1));

        _time.Advance(Interval);
        _ledger.StopKeepAlive(hold);
        _ledger.StopKeepAlive(hold);
        AdvanceInSteps(3 * Interval);

        Assert.That(_store.Extensions, Has.Count.EqualTo(1));
        Assert.That(_ledger.Renewals.Count, Is.Zero);
    }

    [Test]
    public async Task KeepAlive_HoldStoppedBeforeItWasDue_OthersStillRenewedOnTime()
    {
        var first = await HoldAsync();
        _time.Advance(TimeSpan.FromSeconds(40));
        var second = await HoldAsync();

        _ledger.StopKeepAlive(first);
        _time.Advance(Interval);

        Assert.That(_store.Extensions.Select(e => (e.Id, e.At)), Is.EqualTo(new[] { (second.Id, Start + TimeSpan.FromSeconds(40) + Interval) }));
    }

    [Test]
    public async Task KeepAlive_TimerFiresIntervalsLate_RenewsOnceThenKeepsTheInterval()
    {
        var hold = await HoldAsync();

        // One jump of two and a half intervals (still inside the time to live), as after a suspended process resumes.
        _time.Advance(Interval * 2.5);
        _time.Advance(Interval);

        var late = Start + (Interval * 2.5);
        Assert.That(_store.Extensions.Select(e => e.At), Is.EqualTo(new[] { late, late + Interval }), "no burst of catch-up renewals");
        Assert.That(hold.ExpiresAt, Is.EqualTo(late + Interval + TimeToLive));
        Assert.That(_logger.Collector.Count, Is.Zero);
    }

    private async Task<BudgetReservation> HoldAsync()
    {
        var hold = (await _ledger.TryReserveAsync(ChatSpend, 0.01m)).Reservation!;
        _ledger.KeepAlive(hold);
        return hold;
    }

    /// <summary>Moves the clock in steps, so the expiry sweep (every 30 s) and the renewals run in order on the way.</summary>
    private void AdvanceInSteps(TimeSpan by)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < by; elapsed += Step)
        {
            _time.Advance(Step);
        }
    }

    /// <summary>Moves the clock in steps and checks after each that no running call's hold has lapsed.</summary>
    private void AdvanceAndCheckNoHoldLapses(TimeSpan by, int open)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < by; elapsed += Step)
        {
            _time.Advance(Step);
            Assert.That(_memory.OpenReservations, Is.EqualTo(open), $"every running call still holds its money at {_time.GetUtcNow():T}");
        }
    }

    /// <summary>
    /// Checks each hold was renewed once for every interval since it was taken, each time in the clock step in which
    /// that interval ended (keeping the phase: no drift), and never otherwise.
    /// </summary>
    private void AssertRenewedEveryInterval(IEnumerable<(BudgetReservation Hold, DateTimeOffset From)> holds, DateTimeOffset until)
    {
        var byId = _store.Extensions.ToLookup(e => e.Id, e => e.At);
        foreach (var (hold, from) in holds)
        {
            var renewals = byId[hold.Id].ToArray();
            var due = Enumerable.Range(1, int.MaxValue).Select(k => from + (k * Interval)).TakeWhile(d => d <= until).ToArray();
            Assert.That(renewals, Has.Length.EqualTo(due.Length), $"renewals of the hold taken at {from:T}");
            for (var k = 0; k < due.Length; k++)
            {
                Assert.That(renewals[k], Is.GreaterThanOrEqualTo(due[k]).And.LessThan(due[k] + Step), $"renewal {k + 1} of the hold taken at {from:T}");
            }

            Assert.That(hold.ExpiresAt, Is.EqualTo(renewals[^1] + TimeToLive));
        }
    }

    /// <summary>A fake clock that counts the timers created on it.</summary>
    private sealed class TimerCountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _timersCreated;

        public int TimersCreated => Volatile.Read(ref _timersCreated);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timersCreated);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
