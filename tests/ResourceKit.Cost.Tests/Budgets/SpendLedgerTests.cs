using ResourceKit.Cost.Budgets;
using static ResourceKit.Cost.Tests.Budgets.LedgerFixture;

namespace ResourceKit.Cost.Tests.Budgets;

public partial class SpendLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 15, 0, TimeSpan.Zero);

    [Test]
    public async Task TryReserveAsync_WithinLimit_GrantsAndSettleCommitsActual()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m)));
        using var _ = ledger;

        var result = await ledger.TryReserveAsync(ChatSpend, 2m);
        Assert.That(result.IsGranted, Is.True);
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Reserved, Is.EqualTo(2m));

        Assert.That(await ledger.SettleAsync(result.Reservation!, 1.25m), Is.True);
        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.Multiple(() =>
        {
            Assert.That(status.Committed, Is.EqualTo(1.25m));
            Assert.That(status.Reserved, Is.Zero);
            Assert.That(status.Remaining, Is.EqualTo(8.75m));
            Assert.That(ledger.LocalReserved, Is.Zero);
        });
    }

    [Test]
    public async Task TryReserveAsync_OverBlockLimit_ReturnsDenialNamingRuleWindowAndAmounts()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily_limit", 50m)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 49.5m);

        var result = await ledger.TryReserveAsync(ChatSpend, 1m);

        Assert.That(result.IsGranted, Is.False);
        Assert.That(result.Decision.Status, Is.EqualTo(BudgetStatus.Blocked));
        var denial = result.Decision.Denial!;
        Assert.Multiple(() =>
        {
            Assert.That(denial.RuleName, Is.EqualTo("daily_limit"));
            Assert.That(denial.Window, Is.EqualTo(BudgetWindow.Daily));
            Assert.That(denial.Period, Is.EqualTo("d:2026-11-23"));
            Assert.That(denial.Committed, Is.EqualTo(49.5m));
            Assert.That(denial.Requested, Is.EqualTo(1m));
            Assert.That(new BudgetExceededException(denial).Message, Does.Contain("daily_limit").And.Contain("$49.5").And.Contain("$50"));
        });
    }

    [TestCase(BudgetWindow.Hourly, "2026-11-23T10:59:59Z", "2026-11-23T11:00:00Z")]
    [TestCase(BudgetWindow.Daily, "2026-11-23T23:59:59Z", "2026-11-24T00:00:00Z")]
    [TestCase(BudgetWindow.Weekly, "2026-11-29T23:59:59Z", "2026-11-30T00:00:00Z")]
    [TestCase(BudgetWindow.Monthly, "2026-11-30T23:59:59Z", "2026-12-01T00:00:00Z")]
    public async Task TryReserveAsync_WindowRollsOver_BudgetIsAvailableAgain(BudgetWindow window, string before, string after)
    {
        var (ledger, time, _) = Create(Start, Options(Rule("limit", 1m, window)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);

        time.SetUtcNow(DateTimeOffset.Parse(before, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).IsGranted, Is.False, "still inside the window");

        time.SetUtcNow(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).IsGranted, Is.True, "next window");
    }

    [Test]
    public async Task TryReserveAsync_BerlinDailyWindow_RollsOverAtLocalMidnight()
    {
        var options = Options(Rule("daily", 1m));
        options.TimeZoneId = "Europe/Berlin";
        var (ledger, time, _) = Create(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), options);
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);

        time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 22, 59, 59, TimeSpan.Zero));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).IsGranted, Is.False, "23:59:59 in Berlin");

        time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).IsGranted, Is.True, "midnight in Berlin, 23:00 UTC");
    }

    [Test]
    public async Task TryReserveAsync_CustomZoneMonthly_RollsOverAtLocalMonthStart()
    {
        var options = Options(Rule("monthly", 1m, BudgetWindow.Monthly));
        options.TimeZone = TimeZoneInfo.CreateCustomTimeZone("Test+05:30", TimeSpan.FromHours(5.5), "Test+05:30", "Test+05:30");
        var (ledger, time, _) = Create(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), options);
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);

        // 18:30 UTC on 30 Nov is midnight on 1 Dec at UTC+05:30.
        time.SetUtcNow(new DateTimeOffset(2026, 11, 30, 18, 29, 59, TimeSpan.Zero));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.01m)).IsGranted, Is.False);

        time.SetUtcNow(new DateTimeOffset(2026, 11, 30, 18, 30, 0, TimeSpan.Zero));
        var granted = await ledger.TryReserveAsync(ChatSpend, 0.01m);
        Assert.That(granted.IsGranted, Is.True);
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Period.Key, Is.EqualTo("m:2026-12"));
    }

    [Test]
    public async Task TryReserveAsync_ReservationExpires_ReleasesItsHold()
    {
        var (ledger, time, store) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        var held = await ledger.TryReserveAsync(ChatSpend, 1m);
        Assert.That(held.IsGranted, Is.True);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.5m)).IsGranted, Is.False);

        time.Advance(new CostOptions().ReservationTimeToLive);

        Assert.That(store.OpenReservations, Is.Zero, "the periodic sweep released it");
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.5m)).IsGranted, Is.True);
    }

    [Test]
    public async Task SettleAsync_AfterExpiry_StillCommitsTheSpend()
    {
        var (ledger, time, _) = Create(Start, Options(Rule("daily", 10m)));
        using var _ = ledger;
        var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;
        time.Advance(TimeSpan.FromMinutes(6));
        await ledger.ExpireReservationsAsync();

        Assert.That(await ledger.SettleAsync(held, 0.75m), Is.True);

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed, Is.EqualTo(0.75m));
        Assert.That(status.Reserved, Is.Zero);
    }

    [Test]
    public async Task SettleAsync_Twice_SecondIsIgnored()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m)));
        using var _ = ledger;
        var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;

        Assert.That(await ledger.SettleAsync(held, 1m), Is.True);
        Assert.That(await ledger.SettleAsync(held, 1m), Is.False);
        Assert.That(await ledger.ReleaseAsync(held), Is.False);
        Assert.That((await ledger.GetStatusAsync(ChatSpend))[0].Committed, Is.EqualTo(1m));
    }

    [Test]
    public async Task ReleaseAsync_FailedCall_ReturnsHoldWithoutSpending()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 1m)));
        using var _ = ledger;
        var held = (await ledger.TryReserveAsync(ChatSpend, 1m)).Reservation!;

        Assert.That(await ledger.ReleaseAsync(held), Is.True);

        var status = (await ledger.GetStatusAsync(ChatSpend))[0];
        Assert.That(status.Committed + status.Reserved, Is.Zero);
    }

    [Test]
    public async Task RecordAsync_CrossingSoftThresholdsAndLimit_RaisesEachEventOnce()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("daily", 10m, action: BudgetAction.Warn)));
        using var _ = ledger;
        var thresholds = new List<double>();
        var limits = 0;
        ledger.ThresholdReached += (_, e) => thresholds.Add(e.Threshold);
        ledger.LimitReached += (_, _) => limits++;

        await ledger.RecordAsync(ChatSpend, 7m);
        await ledger.RecordAsync(ChatSpend, 1m);
        await ledger.RecordAsync(ChatSpend, 1.5m);
        await ledger.RecordAsync(ChatSpend, 0.1m);
        await ledger.RecordAsync(ChatSpend, 5m);
        await ledger.RecordAsync(ChatSpend, 5m);

        Assert.That(thresholds, Is.EqualTo(new[] { 0.8, 0.9 }));
        Assert.That(limits, Is.EqualTo(1));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 1m)).IsGranted, Is.True, "Warn never refuses");
    }

    [Test]
    public async Task TryReserveAsync_ThrottleRuleOverLimit_AdmitsOnePerInterval()
    {
        var (ledger, time, _) = Create(Start, Options(Rule("hourly", 1m, BudgetWindow.Hourly, BudgetAction.Throttle)));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend, 1m);

        var throttled = await ledger.TryReserveAsync(ChatSpend, 0.1m);
        Assert.That(throttled.Decision.Status, Is.EqualTo(BudgetStatus.Throttled));
        Assert.That(throttled.Decision.RetryAfter, Is.EqualTo(CostOptions.DefaultThrottleInterval));
        Assert.That((await ledger.CheckAsync(ChatSpend, 0.1m)).Status, Is.EqualTo(BudgetStatus.Throttled));

        time.Advance(CostOptions.DefaultThrottleInterval);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.1m)).IsGranted, Is.True);
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.1m)).Decision.Status, Is.EqualTo(BudgetStatus.Throttled));

        time.SetUtcNow(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero));
        Assert.That((await ledger.TryReserveAsync(ChatSpend, 0.1m)).IsGranted, Is.True, "a new hour lifts the throttle");
    }

    [Test]
    public async Task RecordAsync_ShutdownRuleReached_RaisesShutdownRequestedAndBlocks()
    {
        var (ledger, _, _) = Create(Start, Options(Rule("monthly", 2m, BudgetWindow.Monthly, BudgetAction.Shutdown)));
        using var _ = ledger;
        BudgetLimitEventArgs? shutdown = null;
        ledger.ShutdownRequested += (_, e) => shutdown = e;

        await ledger.RecordAsync(ChatSpend, 2m);

        Assert.That(shutdown?.Rule.Name, Is.EqualTo("monthly"));
        Assert.That((await ledger.CheckAsync(ChatSpend, 0.01m)).Status, Is.EqualTo(BudgetStatus.Blocked));
    }

    [Test]
    public async Task TryReserveAsync_AgentRuleWithoutValue_LimitsEachAgentSeparately()
    {
        var rule = Rule("per_agent", 1m);
        rule.Scope = BudgetScope.Agent;
        var (ledger, _, _) = Create(Start, Options(rule));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend with { Agent = "a" }, 1m);

        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "a" }, 0.5m)).IsGranted, Is.False);
        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Agent = "b" }, 0.5m)).IsGranted, Is.True);
    }

    [Test]
    public async Task TryReserveAsync_ModelRuleWithValue_AppliesOnlyToThatModel()
    {
        var rule = Rule("opus", 1m);
        rule.Scope = BudgetScope.Model;
        rule.ScopeValue = "Claude-4-Opus";
        var (ledger, _, _) = Create(Start, Options(rule));
        using var _ = ledger;
        await ledger.RecordAsync(ChatSpend with { Model = "claude-4-opus" }, 1m);

        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Model = "claude-4-opus" }, 0.1m)).IsGranted, Is.False);
        Assert.That((await ledger.TryReserveAsync(ChatSpend with { Model = "claude-3-7-sonnet" }, 0.1m)).IsGranted, Is.True);
    }

    [Test]
    public async Task GetReportAsync_AfterSpend_BreaksDownByCategoryModelAndAgent()
    {
        var (ledger, _, _) = Create(Start, new CostOptions());
        using var _ = ledger;
        await ledger.RecordAsync(new SpendAttribution("chat", "gpt-4o", "planner"), 3m);
        await ledger.RecordAsync(new SpendAttribution("summarize", "gpt-4o", "writer"), 1m);
        await ledger.TryReserveAsync(new SpendAttribution("chat", "claude-4-opus", "planner"), 0.5m);

        var report = await ledger.GetReportAsync();

        var daily = report.Windows.Single(w => w.Period.Window == BudgetWindow.Daily);
        Assert.Multiple(() =>
        {
            Assert.That(daily.Committed, Is.EqualTo(4m));
            Assert.That(daily.Reserved, Is.EqualTo(0.5m));
            Assert.That(daily.ByCategory[0], Is.EqualTo(new ScopeSpend("chat", 3m, 0.5m)));
            Assert.That(daily.ByModel.Single(m => m.Name == "gpt-4o").Committed, Is.EqualTo(4m));
            Assert.That(daily.ByAgent.Select(a => a.Name), Is.EquivalentTo(new[] { "planner", "writer" }));
            Assert.That(report.Rules.Select(r => r.RuleName), Is.EqualTo(new[] { "hourly_limit", "daily_limit", "monthly_limit" }));
            Assert.That(report.Rules.Single(r => r.RuleName == "daily_limit").Remaining, Is.EqualTo(45.5m));
        });
    }

    [Test]
    public void Constructor_DefaultRules_AreTheSeedRules()
    {
        var (ledger, _, _) = Create(Start, new CostOptions());
        using var _ = ledger;

        Assert.That(
            ledger.Rules.Select(r => (r.Name, r.Limit, r.Window, r.Action)),
            Is.EqualTo(new[]
            {
                ("hourly_limit", 5m, BudgetWindow.Hourly, BudgetAction.Throttle),
                ("daily_limit", 50m, BudgetWindow.Daily, BudgetAction.Block),
                ("monthly_limit", 1000m, BudgetWindow.Monthly, BudgetAction.Shutdown),
            }));
    }

    [Test]
    public void BadInput_Throws()
    {
        var (ledger, _, _) = Create(Start, new CostOptions());
        using var _ = ledger;

        Assert.Multiple(() =>
        {
            Assert.That(async () => await ledger.TryReserveAsync(ChatSpend, -1m), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(async () => await ledger.RecordAsync(ChatSpend, -1m), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(async () => await ledger.TryReserveAsync(ChatSpend with { Agent = "a|b" }, 1m), Throws.ArgumentException);
            Assert.That(() => ledger.ReplaceRules([Rule("zero", 0m)]), Throws.ArgumentException.With.Message.Contains("Limit must be greater than zero"));
            Assert.That(() => ledger.ReplaceRules([Rule("w", 1m, (BudgetWindow)9)]), Throws.ArgumentException.With.Message.Contains("Window"));
            Assert.That(() => ledger.ReplaceRules([Rule("a", 1m), Rule("a", 2m)]), Throws.ArgumentException.With.Message.Contains("more than once"));
            Assert.That(
                () => new SpendLedger(Options(Rule("bad", -5m)), new ResourceKit.Cost.Ledger.MemorySpendStore()),
                Throws.ArgumentException.With.Message.Contains("Rules[0].Limit"));
        });
    }
}
