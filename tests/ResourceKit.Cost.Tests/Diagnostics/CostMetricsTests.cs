using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;
using ResourceKit.Cost.Tests.Budgets;
using ResourceKit.Cost.Tests.Ledger;

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

    [Test]
    public async Task Meter_StoreHoldsUnsavedSpend_UnsavedGaugeReadsItUntilItIsWritten()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rk-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            var disk = new FailingDisk();
            using var meters = new ScopedMeterFactory();
            using var store = new FileSpendStore(Path.Combine(directory, "ledger.json"), 1_000, flushToDisk: true, logger: null, disk.Open);
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
            using var ledger = new SpendLedger(LedgerFixture.Options(LedgerFixture.Rule("daily", 10m)), store, time, meterFactory: meters);
            using var unsaved = new MetricCollector<double>(meters, "ResourceKit.Cost", "resourcekit.cost.unsaved");

            disk.IsFull = true;
            await ledger.RecordAsync(LedgerFixture.ChatSpend, 0.75m);
            unsaved.RecordObservableInstruments();
            var whileUnsaved = unsaved.LastMeasurement!.Value;
            disk.IsFull = false;
            await ledger.RecordAsync(LedgerFixture.ChatSpend, 0.25m);
            unsaved.RecordObservableInstruments();

            Assert.That(whileUnsaved, Is.EqualTo(0.75));
            Assert.That(unsaved.LastMeasurement!.Value, Is.Zero, "the snapshot after the next entry saved it");
            Assert.That(unsaved.Instrument!.Unit, Is.EqualTo("USD"), "the unit of the other spend instruments");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
