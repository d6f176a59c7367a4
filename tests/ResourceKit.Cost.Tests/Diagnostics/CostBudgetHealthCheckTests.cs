using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Tests.Budgets;

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
}
