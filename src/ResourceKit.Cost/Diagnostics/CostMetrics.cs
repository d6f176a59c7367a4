using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Diagnostics;

/// <summary>The instruments on the <c>ResourceKit.Cost</c> meter.</summary>
internal sealed class CostMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "ResourceKit.Cost";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<double> _spend;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _expired;
    private readonly ConcurrentDictionary<BudgetWindow, double> _windowSpend = new();
    private readonly ConcurrentDictionary<string, double> _utilization = new(StringComparer.Ordinal);
    private long _reservedUnits;

    public CostMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _spend = _meter.CreateCounter<double>("resourcekit.cost.spend", "USD", "Settled spend.");
        _rejections = _meter.CreateCounter<long>("resourcekit.cost.rejections", "{request}", "Requests refused by a block or shutdown rule.");
        _throttled = _meter.CreateCounter<long>("resourcekit.cost.throttled", "{request}", "Requests delayed by a throttle rule or a rate limit.");
        _expired = _meter.CreateCounter<long>("resourcekit.cost.reservations.expired", "{reservation}", "Reservations released because they expired.");
        _meter.CreateObservableGauge("resourcekit.cost.window.spend", ObserveWindows, "USD", "Settled spend in the current period of each window.");
        _meter.CreateObservableGauge("resourcekit.cost.reserved", () => Reserved, "USD", "Money held by this process's open reservations.");
        _meter.CreateObservableGauge("resourcekit.cost.budget.utilization", ObserveUtilization, "1", "Committed plus reserved spend as a fraction of each rule's limit.");
    }

    public double Reserved => Interlocked.Read(ref _reservedUnits) / 1e8;

    public void Spent(decimal amount, SpendAttribution attribution) =>
        _spend.Add((double)amount, new("model", attribution.Model), new("category", attribution.Category), new("agent", attribution.Agent));

    public void Rejected(BudgetDenial denial) =>
        _rejections.Add(1, new("rule", denial.RuleName), new("window", denial.Window.ToString()), new("action", denial.Action.ToString()));

    public void Throttled(string reason) => _throttled.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Expired(int count) => _expired.Add(count);

    public void ReservedChanged(decimal delta) => Interlocked.Add(ref _reservedUnits, (long)(delta * 100_000_000m));

    public void WindowSpend(BudgetWindow window, decimal committed) => _windowSpend[window] = (double)committed;

    public void Utilization(string rule, double ratio) => _utilization[rule] = ratio;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<double>> ObserveWindows() =>
        _windowSpend.Select(w => new Measurement<double>(w.Value, new KeyValuePair<string, object?>("window", w.Key.ToString())));

    private IEnumerable<Measurement<double>> ObserveUtilization() =>
        _utilization.Select(u => new Measurement<double>(u.Value, new KeyValuePair<string, object?>("rule", u.Key)));
}
