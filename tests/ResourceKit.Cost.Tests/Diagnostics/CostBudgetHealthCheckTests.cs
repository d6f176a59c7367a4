using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tests.Budgets;
using ResourceKit.Cost.Tests.Ledger;

namespace ResourceKit.Cost.Tests.Diagnostics;

public class CostBudgetHealthCheckTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [TestCase(0, HealthStatus.Healthy)]
    [TestCase(9.5, HealthStatus.Degraded)]
    [TestCase(10, HealthStatus.Unhealthy)]
    public async Task CheckHealthAsync_BySpend_ReportsBudgetState(decimal spent, HealthStatus expected)
    {
        var (ledger, _, _) = LedgerFixture.Create(Start, LedgerFixture.Options(LedgerFixture.Rule("daily", 10m)));
        using var _ = ledger;
        await ledger.RecordAsync(LedgerFixture.ChatSpend, spent);

        var result = await new CostBudgetHealthCheck(ledger).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(expected));
        Assert.That(result.Data["daily"], Is.EqualTo((double)(spent / 10m)));
    }

    [Test]
    public async Task CheckHealthAsync_ExhaustedWarnRule_IsOnlyDegraded()
    {
        var (ledger, _, _) = LedgerFixture.Create(Start, LedgerFixture.Options(LedgerFixture.Rule("warn", 1m, action: BudgetAction.Warn)));
        using var _ = ledger;
        await ledger.RecordAsync(LedgerFixture.ChatSpend, 2m);

        var result = await new CostBudgetHealthCheck(ledger).CheckHealthAsync(new HealthCheckContext());

        Assert.That(result.Status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public async Task CheckHealthAsync_StoreHoldsUnsavedSpend_IsDegradedUntilTheStoreWritesIt()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            var disk = new FailingDisk();
            using var store = new FileSpendStore(Path.Combine(directory, "ledger.json"), 1_000, flushToDisk: true, logger: null, disk.Open);
            using var ledger = new SpendLedger(LedgerFixture.Options(LedgerFixture.Rule("daily", 10m)), store, new FakeTimeProvider(Start));
            var check = new CostBudgetHealthCheck(ledger);

            disk.IsFull = true;
            await ledger.RecordAsync(LedgerFixture.ChatSpend, 0.75m);
            var whileUnsaved = await check.CheckHealthAsync(new HealthCheckContext());
            disk.IsFull = false;
            await ledger.RecordAsync(LedgerFixture.ChatSpend, 0.25m);
            var afterWritten = await check.CheckHealthAsync(new HealthCheckContext());

            Assert.Multiple(() =>
            {
                Assert.That(whileUnsaved.Status, Is.EqualTo(HealthStatus.Degraded), "spend within every rule, but not saved");
                Assert.That(whileUnsaved.Description, Does.StartWith("0.75 USD of spend is counted but not yet saved"));
                Assert.That(whileUnsaved.Description, Does.Contain("writes it when it recovers"));
                Assert.That(whileUnsaved.Data[CostBudgetHealthCheck.UnsavedSpendKey], Is.EqualTo(0.75m));
                Assert.That(whileUnsaved.Data["daily"], Is.EqualTo(0.075));
                Assert.That(afterWritten.Status, Is.EqualTo(HealthStatus.Healthy), "the snapshot after the next entry saved it");
                Assert.That(afterWritten.Data, Does.Not.ContainKey(CostBudgetHealthCheck.UnsavedSpendKey));
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
