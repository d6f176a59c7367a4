using Microsoft.Extensions.Time.Testing;
using ResourceKit.Agents.Adapters;
using ResourceKit.Agents.Monitoring;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Agents.Tests.Adapters;

public sealed class CostMetricSourceTests
{
    [Test]
    public async Task CollectAsync_HourlySpendAboveFourDollars_RaisesTheSeedsWarning()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        using var ledger = new SpendLedger(new CostOptions(), new MemorySpendStore(), time);
        var monitor = new HealthMonitor(new HealthMonitorOptions(), [new CostMetricSource(ledger)], timeProvider: time);

        await ledger.RecordAsync(new SpendAttribution("chat", "gpt-4o", "planner"), 4.2m);
        var snapshot = await monitor.SampleAsync();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Readings, Has.Some.EqualTo(new MetricReading(ComponentNames.Cost, MetricNames.ApiCostHourly, 4.2)));
            Assert.That(snapshot.Readings, Has.Some.EqualTo(new MetricReading(ComponentNames.Cost, MetricNames.ApiCostDaily, 4.2)));
            Assert.That(monitor.GetAlerts().Single().Metric, Is.EqualTo(MetricNames.ApiCostHourly), "$4.20 of $5/hour is a warning; $4.20 of $50/day is not");
            Assert.That(snapshot.Components.Single(c => c.Component == ComponentNames.Cost).Status, Is.Not.EqualTo(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy));
        });
    }
}
