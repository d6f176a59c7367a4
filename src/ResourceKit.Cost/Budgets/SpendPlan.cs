using System.Runtime.CompilerServices;
using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// The counters one piece of spend touches (every window crossed with global, category, model and agent)
/// and the rules that read them, computed once per call.
/// </summary>
internal sealed class SpendPlan
{
    public const int ScopeCount = 4;

    // The gates sit a millionth of a percent below the exact boundaries: converting decimals to doubles and
    // multiplying them errs by a few parts in 10^16, far less, and every decimal value fits a double's range
    // with full relative precision. So a value under a gate is under the boundary, and the gates only skip work;
    // they never change which events are raised.
    private const double GateMargin = 1 - 1e-9;

    private static readonly BudgetWindow[] Windows = Enum.GetValues<BudgetWindow>();

    private SpendPlan(
        SpendAttribution key,
        SpendAttribution attribution,
        BudgetPeriod[] periods,
        LedgerCounter[] counters,
        (BudgetRule Rule, int Counter)[] rules,
        IReadOnlyList<BudgetRule> source,
        IReadOnlyList<double> defaultThresholds,
        CostMetrics metrics)
    {
        Key = key;
        Attribution = attribution;
        Periods = periods;
        Counters = counters;
        CounterList = new LedgerCounterList(counters);
        Rules = rules;
        Source = source;
        ValidFrom = periods.Max(p => p.Start);
        ValidUntil = periods.Min(p => p.End);
        HardRules = [.. rules.Where(r => r.Rule.IsHardLimit)];
        Limits = Array.ConvertAll(HardRules, r => new LedgerLimit(r.Counter, r.Rule.Limit));

        // Event and throttle keys are built once per plan, not on every spend.
        RuleKeys = Array.ConvertAll(rules, r => r.Rule.Name + "|" + counters[r.Counter].Period + "|" + counters[r.Counter].Scope);
        Thresholds = Array.ConvertAll(rules, r => r.Rule.SoftThresholds.Count > 0 ? [.. r.Rule.SoftThresholds] : defaultThresholds.ToArray());
        ThresholdKeys = new string[rules.Length][];
        for (var i = 0; i < rules.Length; i++)
        {
            ThresholdKeys[i] = Array.ConvertAll(Thresholds[i], t => RuleKeys[i] + "|" + t.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        LimitKeys = Array.ConvertAll(rules, r => LimitKey(r.Rule.Name, counters[r.Counter].Period, counters[r.Counter].Scope));
        LimitsAsDouble = Array.ConvertAll(rules, r => (double)r.Rule.Limit);
        LimitGates = Array.ConvertAll(LimitsAsDouble, limit => limit * GateMargin);
        ThresholdGates = new double[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            ThresholdGates[i] = Thresholds[i].Length == 0 ? double.PositiveInfinity : Thresholds[i].Min() * LimitsAsDouble[i] * GateMargin;
        }

        Utilization = Array.ConvertAll(rules, r => metrics.UtilizationOf(r.Rule.Name));
        HasThrottleRules = Array.Exists(rules, r => r.Rule.Action == BudgetAction.Throttle);
        ObservedCounters = [.. Enumerable.Range(0, periods.Length).Select(w => w * ScopeCount).Concat(rules.Select(r => r.Counter)).Distinct().Order()];
    }

    /// <summary>Gets the attribution as the caller passed it, which the ledger caches the plan under.</summary>
    public SpendAttribution Key { get; }

    /// <summary>Gets the normalized attribution.</summary>
    public SpendAttribution Attribution { get; }

    public BudgetPeriod[] Periods { get; }

    public LedgerCounter[] Counters { get; }

    /// <summary>Gets the counters as handed to the store: never changed, so the store may cache what they resolve to.</summary>
    public LedgerCounterList CounterList { get; }

    public (BudgetRule Rule, int Counter)[] Rules { get; }

    public (BudgetRule Rule, int Counter)[] HardRules { get; }

    public LedgerLimit[] Limits { get; }

    /// <summary>Per rule: <c>name|period|scope</c>, the key of its throttle gate and events.</summary>
    public string[] RuleKeys { get; }

    public double[][] Thresholds { get; }

    public string[][] ThresholdKeys { get; }

    /// <summary>Per rule: the key of its limit event.</summary>
    public string[] LimitKeys { get; }

    /// <summary>Per rule: the limit as a double, for the utilization gauge.</summary>
    public double[] LimitsAsDouble { get; }

    /// <summary>
    /// Per rule: committed spend (as a double) below this is certainly under the limit, so the exact decimal
    /// comparison is only made near or above it.
    /// </summary>
    public double[] LimitGates { get; }

    /// <summary>
    /// Per rule: committed spend (as a double) below this cannot reach any soft threshold, so the exact ratio
    /// (a decimal division per threshold) is only computed near or above the lowest threshold.
    /// </summary>
    public double[] ThresholdGates { get; }

    /// <summary>Per rule: the utilization gauge's slot.</summary>
    public StrongBox<double>[] Utilization { get; }

    /// <summary>Gets the counters whose totals the ledger reads after an operation: each window's global total and every rule's counter.</summary>
    public int[] ObservedCounters { get; }

    /// <summary>Gets a value indicating whether any applying rule throttles.</summary>
    public bool HasThrottleRules { get; }

    public DateTimeOffset ValidFrom { get; }

    public DateTimeOffset ValidUntil { get; }

    private IReadOnlyList<BudgetRule> Source { get; }

    /// <summary>Whether the plan still describes spend at <paramref name="now"/> under <paramref name="rules"/>.</summary>
    public bool IsValidFor(DateTimeOffset now, IReadOnlyList<BudgetRule> rules) =>
        ReferenceEquals(rules, Source) && now >= ValidFrom && now < ValidUntil;

    /// <summary>Whether the plan was built from <paramref name="rules"/>, the very set and not an equal one.</summary>
    public bool IsBuiltFrom(IReadOnlyList<BudgetRule> rules) => ReferenceEquals(rules, Source);

    public static string ScopeKey(BudgetScope scope, string? value) => scope switch
    {
        BudgetScope.Category => "category:" + value,
        BudgetScope.Model => "model:" + value,
        BudgetScope.Agent => "agent:" + value,
        _ => "global",
    };

    public static SpendPlan Create(
        BudgetCalendar calendar,
        IReadOnlyList<BudgetRule> rules,
        IReadOnlyList<double> defaultThresholds,
        SpendAttribution key,
        SpendAttribution attribution,
        DateTimeOffset now,
        CostMetrics metrics)
    {
        var periods = new BudgetPeriod[Windows.Length];
        var counters = new LedgerCounter[Windows.Length * ScopeCount];
        for (var w = 0; w < Windows.Length; w++)
        {
            var period = calendar.GetPeriod(Windows[w], now);
            periods[w] = period;
            var retainUntil = period.End + Retention(Windows[w]);
            for (var s = 0; s < ScopeCount; s++)
            {
                var scope = (BudgetScope)s;
                counters[(w * ScopeCount) + s] = new LedgerCounter(period.Key, ScopeKey(scope, attribution.ValueFor(scope)), retainUntil);
            }
        }

        var applying = new List<(BudgetRule, int)>(rules.Count);
        foreach (var rule in rules)
        {
            if (rule.AppliesTo(attribution))
            {
                applying.Add((rule, ((int)rule.Window * ScopeCount) + (int)rule.Scope));
            }
        }

        return new SpendPlan(key, attribution, periods, counters, [.. applying], rules, defaultThresholds, metrics);
    }

    /// <summary>The key under which a rule's limit event for one period and counter is remembered.</summary>
    public static string LimitKey(string ruleName, string period, string scope) => ruleName + "|" + period + "|" + scope + "|limit";

    public BudgetPeriod PeriodOf(int counter) => Periods[counter / ScopeCount];

    // Long enough for reports on the previous period; short enough that hourly counters do not pile up.
    private static TimeSpan Retention(BudgetWindow window) => window switch
    {
        BudgetWindow.Hourly => TimeSpan.FromDays(2),
        BudgetWindow.Daily => TimeSpan.FromDays(40),
        BudgetWindow.Weekly => TimeSpan.FromDays(70),
        _ => TimeSpan.FromDays(400),
    };
}
