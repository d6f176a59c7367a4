using Microsoft.Extensions.Time.Testing;
using ResourceKit.AgentHost.Reporting;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.AgentHost.Tests.Reporting;

public sealed class BudgetActionLogTests
{
    private static readonly SpendAttribution Turn = new("conversation", "gpt-4o-mini", "conversation_manager");

    [Test]
    public async Task Actions_SpendCrossesThresholdsAndTheHourlyLimit_RecordsEachActionOnceWithTheTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 10, 0, TimeSpan.Zero));
        using var ledger = new SpendLedger(new CostOptions(), new MemorySpendStore(), time);
        using var log = new BudgetActionLog(ledger, time);

        await ledger.RecordAsync(Turn, 4.1m);
        time.Advance(TimeSpan.FromMinutes(1));
        await ledger.RecordAsync(Turn, 1m);
        await ledger.RecordAsync(Turn, 1m);

        var actions = log.Actions;
        Assert.That(actions.Select(a => (a.Rule, a.Action, a.Threshold)), Is.EqualTo(new (string, string, double?)[]
        {
            ("hourly_limit", "SoftThreshold", 0.8),
            ("hourly_limit", "SoftThreshold", 0.9),
            ("hourly_limit", "Throttle", null),
        }));
        Assert.That(actions[0].At, Is.EqualTo(new DateTimeOffset(2026, 11, 24, 12, 10, 0, TimeSpan.Zero)));
        Assert.That(actions[2].At, Is.EqualTo(new DateTimeOffset(2026, 11, 24, 12, 11, 0, TimeSpan.Zero)));
        Assert.That(actions[2], Has.Property(nameof(BudgetActionTaken.Window)).EqualTo("Hourly").And.Property(nameof(BudgetActionTaken.Limit)).EqualTo(5m));
        Assert.That(actions[0].Committed, Is.EqualTo(4.1m));
    }

    [Test]
    public async Task Dispose_StopsRecording()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 10, 0, TimeSpan.Zero));
        using var ledger = new SpendLedger(new CostOptions(), new MemorySpendStore(), time);
        var log = new BudgetActionLog(ledger, time);

        log.Dispose();
        await ledger.RecordAsync(Turn, 6m);

        Assert.That(log.Actions, Is.Empty);
    }

    [Test]
    public async Task Actions_ReadWhileSpendIsRecordedOnManyThreads_AreConsistentCopies()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 10, 0, TimeSpan.Zero));
        using var ledger = new SpendLedger(new CostOptions(), new MemorySpendStore(), time);
        using var log = new BudgetActionLog(ledger, time);

        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                await ledger.RecordAsync(Turn, 0.04m);
            }
        }));
        var reader = Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                Assert.That(log.Actions.Count, Is.LessThanOrEqualTo(5));
            }
        });
        await Task.WhenAll([.. writers, reader]);

        // $32 in the hour (64 % of the daily limit): the hourly rule's two thresholds and its limit, and nothing raised twice.
        Assert.That(log.Actions.Select(a => $"{a.Rule}:{a.Action}:{a.Threshold}"), Is.Unique);
        Assert.That(log.Actions.Select(a => $"{a.Rule}:{a.Action}"), Is.EquivalentTo(new[] { "hourly_limit:SoftThreshold", "hourly_limit:SoftThreshold", "hourly_limit:Throttle" }));
    }
}
