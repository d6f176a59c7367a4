using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using StackExchange.Redis;

namespace ResourceKit.Cost.Tests.Ledger;

public sealed partial class RedisSpendStoreTests : IDisposable
{
    private static readonly SpendAttribution Spend = new("chat", "gpt-4o", "planner");
    private static readonly LedgerLimit[] OneDollar = [new(0, 1m)];
    // The named server that did not answer: later tests fail at once instead of waiting out the timeout again.
    private static string? _unreachableEndpoint;
    private readonly List<ConnectionMultiplexer> _connections = [];
    private string _prefix = null!;

    [SetUp]
    public void SetUp() => _prefix = "rk-test:" + Guid.NewGuid().ToString("N");

    [TearDown]
    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            foreach (var server in connection.GetServers())
            {
                foreach (var key in server.Keys(pattern: "{" + _prefix + "}*"))
                {
                    connection.GetDatabase().KeyDelete(key);
                }
            }

            connection.Dispose();
        }

        _connections.Clear();
    }

    [Test]
    public async Task TryReserveAsync_TwoLedgersSharingOneBudget_NeverOverspendTogether()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 2m }] };
        using var first = new SpendLedger(options, Connect(), time);
        using var second = new SpendLedger(options, Connect(), time);
        var settled = 0m;
        var granted = 0;
        var gate = new Lock();

        // 8 workers on each "host" race 600 reservations of $0.01 against a $2 limit.
        var workers = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var ledger = i % 2 == 0 ? first : second;
            for (var n = 0; n < 38; n++)
            {
                var result = await ledger.TryReserveAsync(Spend, 0.01m);
                if (result.IsGranted)
                {
                    Interlocked.Increment(ref granted);
                    var actual = n % 3 == 0 ? 0.005m : 0.01m;
                    await ledger.SettleAsync(result.Reservation, actual);
                    lock (gate)
                    {
                        settled += actual;
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        var status = (await first.GetStatusAsync(Spend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(status.Committed, Is.LessThanOrEqualTo(2m));
            Assert.That(status.Committed, Is.EqualTo(settled), "sum settled equals the shared total");
            Assert.That(status.Reserved, Is.Zero);
            Assert.That(granted, Is.LessThan(16 * 38), "the limit refused some reservations");
        });
    }

    [Test]
    public async Task RecordAsync_NewLedgerOnSameRedis_SeesSpend()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 5m }] };
        using (var ledger = new SpendLedger(options, Connect(), time))
        {
            await ledger.RecordAsync(Spend, 1.23456789m);
        }

        using var restarted = new SpendLedger(options, Connect(), time);
        Assert.That((await restarted.GetStatusAsync(Spend))[0].Committed, Is.EqualTo(1.23456789m));
        var report = await restarted.GetReportAsync();
        Assert.That(report.Windows.Single(w => w.Period.Window == BudgetWindow.Daily).ByAgent.Single().Name, Is.EqualTo("planner"));
    }

    [Test]
    public async Task TryReserveAsync_ExpiredReservation_IsReleasedByTheNextReserve()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        using var ledger = new SpendLedger(options, Connect(), time);
        Assert.That((await ledger.TryReserveAsync(Spend, 1m)).IsGranted, Is.True);
        Assert.That((await ledger.TryReserveAsync(Spend, 1m)).IsGranted, Is.False);

        time.Advance(options.ReservationTimeToLive);

        Assert.That((await ledger.TryReserveAsync(Spend, 1m)).IsGranted, Is.True);
    }

    [Test]
    public async Task ReleaseAsync_HeldReservation_ReturnsTrueOnceAndFreesBudget()
    {
        var store = Connect();
        var counters = new[] { new LedgerCounter("d:x", "global", DateTimeOffset.UtcNow.AddDays(1)) };
        var reservation = new LedgerReservation("r1", 0.5m, DateTimeOffset.UtcNow.AddMinutes(5), counters);
        var granted = await store.TryReserveAsync(reservation, [new LedgerLimit(0, 0.5m)], DateTimeOffset.UtcNow);

        Assert.That(granted.Granted, Is.True);
        Assert.That(await store.ReleaseAsync(reservation), Is.True);
        Assert.That(await store.ReleaseAsync(reservation), Is.False);
        Assert.That((await store.GetBalancesAsync("d:x")).Single().Reserved, Is.Zero);
    }

    [Test]
    public async Task SettleAsync_RetriedAfterAmbiguousFailure_CommitsOnce()
    {
        var (store, reservation) = await ConnectWithHoldAsync(DateTimeOffset.UtcNow);

        await store.SettleAsync(reservation, 0.4m);
        var retried = await store.SettleAsync(reservation, 0.4m);

        Assert.That(retried.Committed[0], Is.EqualTo(0.4m), "the retry returns the totals without charging again");
        var balance = (await store.GetBalancesAsync("d:x")).Single();
        Assert.That(balance.Committed, Is.EqualTo(0.4m));
        Assert.That(balance.Reserved, Is.Zero);
    }

    [Test]
    public async Task SettleAsync_ExpiredAndSweptReservation_StillCommitsOnce()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, reservation) = await ConnectWithHoldAsync(now);
        Assert.That(await store.ExpireAsync(now.AddMinutes(6)), Is.EqualTo(1));

        await store.SettleAsync(reservation, 0.4m);

        var balance = (await store.GetBalancesAsync("d:x")).Single();
        Assert.That(balance.Committed, Is.EqualTo(0.4m), "the money was spent");
        Assert.That(balance.Reserved, Is.Zero);
    }

    [Test]
    public async Task TryReserveAsync_Reservation_IsKeptWithoutTimeToLiveUntilSweptSoItsReleaseAlwaysFindsIt()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, reservation) = await ConnectWithHoldAsync(now);
        var database = _connections[^1].GetDatabase();
        var key = "{" + _prefix + "}:r:r1";

        Assert.That(await database.KeyExistsAsync(key), Is.True);
        Assert.That(await database.KeyTimeToLiveAsync(key), Is.Null, "a TTL could drop the hash while its amount stays reserved");
        Assert.That(await store.ExpireAsync(now.AddDays(30)), Is.EqualTo(1), "a sweep after a long pause still releases it");
        Assert.That(await database.KeyExistsAsync(key), Is.False);
        Assert.That((await store.GetBalancesAsync("d:x")).Single().Reserved, Is.Zero);
    }

    [Test]
    public async Task ExtendAsync_HeldReservation_MovesItsExpiry()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, reservation) = await ConnectWithHoldAsync(now);

        Assert.That(await store.ExtendAsync(reservation, now.AddMinutes(10), now.AddMinutes(4)), Is.True);
        Assert.That(await store.ExpireAsync(now.AddMinutes(6)), Is.Zero, "the extended hold outlives the first expiry");
        Assert.That(await store.ExpireAsync(now.AddMinutes(10)), Is.EqualTo(1));
        Assert.That(await store.ExtendAsync(reservation, now.AddMinutes(20), now.AddMinutes(10)), Is.False, "a lapsed hold is not taken again");
        Assert.That((await store.GetBalancesAsync("d:x")).Single().Reserved, Is.Zero);
    }

    [Test]
    public async Task ExtendAsync_HoldExpiredButNotYetSwept_IsRefusedAndStaysDueForTheSweep()
    {
        var now = DateTimeOffset.UtcNow;
        var (store, reservation) = await ConnectWithHoldAsync(now);

        Assert.That(await store.ExtendAsync(reservation, now.AddMinutes(10), now.AddMinutes(5)), Is.False, "expired at its expiry instant");
        Assert.That(await store.ExpireAsync(now.AddMinutes(5)), Is.EqualTo(1), "its expiry was not moved");
        Assert.That((await store.GetBalancesAsync("d:x")).Single().Reserved, Is.Zero);
    }

    [Test]
    public async Task RenewAsync_HoldExpiredButNotYetSwept_IsNotTakenAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new CostOptions { Rules = [new BudgetRule { Name = "daily", Limit = 1m }], ExpirySweepInterval = RedisSpendStore.MaxExpirySweepInterval };
        using var ledger = new SpendLedger(options, Connect(), time);
        var lapsed = (await ledger.TryReserveAsync(Spend, 1m)).Reservation!;

        time.Advance(TimeSpan.FromMinutes(6));

        Assert.That(await ledger.RenewAsync(lapsed), Is.False, "the hold expired a minute ago and no sweep has run");
        Assert.That((await ledger.TryReserveAsync(Spend, 1m)).IsGranted, Is.True, "so its money is free for the next caller");
    }

    [Test]
    public async Task TryReserveAsync_LimitCheckAmountAboveAmount_ChecksAndHoldsTheLarger()
    {
        var store = Connect();
        var now = DateTimeOffset.UtcNow;

        var refused = await store.TryReserveAsync(Hold("r1", now) with { LimitCheckAmount = 1.5m }, OneDollar, now);
        var granted = await store.TryReserveAsync(Hold("r2", now) with { LimitCheckAmount = 0.75m }, OneDollar, now);
        var afterGrant = (await store.GetBalancesAsync("d:x")).Single().Reserved;
        var second = await store.TryReserveAsync(Hold("r3", now) with { LimitCheckAmount = 0.75m }, OneDollar, now);
        await store.ReleaseAsync(Hold("r2", now));

        Assert.That(refused.Granted, Is.False);
        Assert.That(granted.Granted, Is.True);
        Assert.That(afterGrant, Is.EqualTo(0.75m), "the hold is what was checked");
        Assert.That(second.Granted, Is.False, "$0.75 held + $0.75 checked passes $1, although $0.50 + $0.75 would not");
        Assert.That((await store.GetBalancesAsync("d:x")).Single().Reserved, Is.Zero, "release gives back what was held");
    }

    /// <summary>A $0.50 hold on one daily counter, expiring five minutes after <paramref name="now"/>.</summary>
    private static LedgerReservation Hold(string id, DateTimeOffset now) =>
        new(id, 0.5m, now.AddMinutes(5), [new LedgerCounter("d:x", "global", now.AddDays(1))]);

    /// <summary>Connects and places the hold <c>r1</c> of <see cref="Hold"/> at <paramref name="now"/>.</summary>
    private async Task<(RedisSpendStore Store, LedgerReservation Reservation)> ConnectWithHoldAsync(DateTimeOffset now)
    {
        var store = Connect();
        var reservation = Hold("r1", now);
        await store.TryReserveAsync(reservation, OneDollar, now);
        return (store, reservation);
    }

    private RedisSpendStore Connect() => new(ConnectDatabase(), _prefix);

    /// <summary>A store whose connection fails on demand through the returned control.</summary>
    private (RedisSpendStore Store, FailingRedisDatabase Control) ConnectFailing(ILogger<RedisSpendStore>? logger = null)
    {
        var (database, control) = FailingRedisDatabase.Wrap(ConnectDatabase());
        return (new RedisSpendStore(database, _prefix, logger), control);
    }

    private IDatabase ConnectDatabase()
    {
        var endpoint = Environment.GetEnvironmentVariable("RESOURCEKIT_REDIS");
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            Assert.Ignore("RESOURCEKIT_REDIS is not set; the Redis ledger tests need a running redis-server (host:port).");
        }

        // A server was named, so not reaching it is a failure, not a skip: a loaded machine's slow connect must not
        // quietly turn the Redis tests off.
        var unreachable = $"No Redis server answered at RESOURCEKIT_REDIS={endpoint} within 10 s; start it or unset the variable to skip the Redis ledger tests.";
        if (Volatile.Read(ref _unreachableEndpoint) == endpoint)
        {
            Assert.Fail(unreachable);
        }

        var connection = ConnectionMultiplexer.Connect(endpoint + ",abortConnect=false,connectTimeout=10000");
        if (!connection.IsConnected)
        {
            connection.Dispose();
            Volatile.Write(ref _unreachableEndpoint, endpoint);
            Assert.Fail(unreachable);
        }

        _connections.Add(connection);
        return connection.GetDatabase();
    }
}
