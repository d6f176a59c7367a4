using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
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
    private static readonly BudgetWindow[] Windows = Enum.GetValues<BudgetWindow>();

    // Written on every reserve and settle, read only when a collector observes: plain slots (NaN until first
    // written) instead of dictionary writes, which take a lock each.
    private readonly double[] _windowSpend = [.. Windows.Select(_ => double.NaN)];
    private readonly ConcurrentDictionary<string, StrongBox<double>> _utilization = new(StringComparer.Ordinal);
    private long _reservedUnits;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meterFactory">Creates the meter; without one the instance owns a meter of its own.</param>
    /// <param name="unsavedSpend">Reads the spend the store has not yet saved, for the <c>resourcekit.cost.unsaved</c> gauge.</param>
    public CostMetrics(IMeterFactory? meterFactory, Func<decimal> unsavedSpend)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _spend = _meter.CreateCounter<double>("resourcekit.cost.spend", "USD", "Settled spend.");
        _rejections = _meter.CreateCounter<long>("resourcekit.cost.rejections", "{request}", "Requests refused by a block or shutdown rule.");
        _throttled = _meter.CreateCounter<long>("resourcekit.cost.throttled", "{request}", "Requests delayed by a throttle rule or a rate limit.");
        _expired = _meter.CreateCounter<long>("resourcekit.cost.reservations.expired", "{reservation}", "Reservations released because they expired.");
        _meter.CreateObservableGauge("resourcekit.cost.window.spend", ObserveWindows, "USD", "Settled spend in the current period of each window.");
        _meter.CreateObservableGauge("resourcekit.cost.reserved", () => Reserved, "USD", "Money held by this process's open reservations.");
        _meter.CreateObservableGauge(
            "resourcekit.cost.unsaved", () => (double)unsavedSpend(), "USD", "Committed spend the store counts but has not yet saved (its disk or server refused it); lost if the process ends first.");
        _meter.CreateObservableGauge("resourcekit.cost.budget.utilization", ObserveUtilization, "1", "Committed plus reserved spend as a fraction of each rule's limit.");
    }

    public double Reserved => Interlocked.Read(ref _reservedUnits) / 1e8;

    public void Spent(decimal amount, SpendAttribution attribution)
    {
        if (_spend.Enabled)
        {
            _spend.Add((double)amount, new("model", attribution.Model), new("category", attribution.Category), new("agent", attribution.Agent));
        }
    }

    public void Rejected(BudgetDenial denial) =>
        _rejections.Add(1, new("rule", denial.RuleName), new("window", denial.Window.ToString()), new("action", denial.Action.ToString()));

    public void Throttled(string reason) => _throttled.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Expired(int count) => _expired.Add(count);

    /// <summary>Converts an amount to the units <see cref="ReservedChanged"/> counts in (10⁻⁸ USD).</summary>
    public static long ToReservedUnits(decimal amount) => (long)(amount * 100_000_000m);

    public void ReservedChanged(long deltaUnits) => Interlocked.Add(ref _reservedUnits, deltaUnits);

    public void WindowSpend(BudgetWindow window, decimal committed) => Volatile.Write(ref _windowSpend[(int)window], (double)committed);

    /// <summary>Returns the slot holding a rule's utilization ratio; callers keep it and write it directly.</summary>
    public StrongBox<double> UtilizationOf(string rule) =>
        _utilization.GetOrAdd(rule, static _ => new StrongBox<double>(double.NaN));

    /// <summary>Stops reporting a rule's utilization until it is written again, as after the rule changed or was removed.</summary>
    public void ForgetUtilization(string rule)
    {
        if (_utilization.TryGetValue(rule, out var slot))
        {
            Volatile.Write(ref slot.Value, double.NaN);
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<double>> ObserveWindows() =>
        Windows.Select(w => (Window: w, Value: Volatile.Read(ref _windowSpend[(int)w])))
            .Where(w => !double.IsNaN(w.Value))
            .Select(w => new Measurement<double>(w.Value, new KeyValuePair<string, object?>("window", w.Window.ToString())));

    private IEnumerable<Measurement<double>> ObserveUtilization() =>
        _utilization.Select(u => (Rule: u.Key, Value: Volatile.Read(ref u.Value.Value)))
            .Where(u => !double.IsNaN(u.Value))
            .Select(u => new Measurement<double>(u.Value, new KeyValuePair<string, object?>("rule", u.Rule)));
}
