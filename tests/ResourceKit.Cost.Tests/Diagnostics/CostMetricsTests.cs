using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tests.Budgets;

namespace ResourceKit.Cost.Tests.Diagnostics;

public class CostMetricsTests
{
    [Test]
    public async Task Meter_SpendRejectionsAndWindows_AreMeasured()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        using var ledger = new SpendLedger(LedgerFixture.Options(LedgerFixture.Rule("daily", 1m)), new MemorySpendStore(), time);
        using var spend = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.spend");
        using var rejections = new MetricCollector<long>(null, "ResourceKit.Cost", "resourcekit.cost.rejections");
        using var windows = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.window.spend");
        using var reserved = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.reserved");
        using var utilization = new MetricCollector<double>(null, "ResourceKit.Cost", "resourcekit.cost.budget.utilization");

        await ledger.RecordAsync(LedgerFixture.ChatSpend, 0.75m);
        await ledger.TryReserveAsync(LedgerFixture.ChatSpend, 0.2m);
        await ledger.TryReserveAsync(LedgerFixture.ChatSpend, 0.5m);
        windows.RecordObservableInstruments();
        reserved.RecordObservableInstruments();
        utilization.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(spend.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(0.75));
            Assert.That(rejections.LastMeasurement!.Tags["rule"], Is.EqualTo("daily"));
            Assert.That(windows.GetMeasurementSnapshot().Single(m => (string)m.Tags["window"]! == "Daily").Value, Is.EqualTo(0.75));
            Assert.That(reserved.LastMeasurement!.Value, Is.EqualTo(0.2).Within(1e-9));
            Assert.That(utilization.LastMeasurement!.Value, Is.EqualTo(0.95).Within(1e-9));
        });
    }
}
