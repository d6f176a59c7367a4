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

        LimitKeys = Array.ConvertAll(RuleKeys, k => k + "|limit");
        ThresholdFloors = new decimal[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            ThresholdFloors[i] = ThresholdFloor(rules[i].Rule.Limit, Thresholds[i]);
        }

        LimitsAsDouble = Array.ConvertAll(rules, r => (double)r.Rule.Limit);
        Utilization = Array.ConvertAll(rules, r => metrics.UtilizationOf(r.Rule.Name));
        HasThrottleRules = Array.Exists(rules, r => r.Rule.Action == BudgetAction.Throttle);
    }

    /// <summary>Gets the attribution as the caller passed it, which the ledger caches the plan under.</summary>
    public SpendAttribution Key { get; }

    /// <summary>Gets the normalized attribution.</summary>
    public SpendAttribution Attribution { get; }

    public BudgetPeriod[] Periods { get; }

    public LedgerCounter[] Counters { get; }

    public (BudgetRule Rule, int Counter)[] Rules { get; }

    public (BudgetRule Rule, int Counter)[] HardRules { get; }

    public LedgerLimit[] Limits { get; }

    /// <summary>Per rule: <c>name|period|scope</c>, the key of its throttle gate and events.</summary>
    public string[] RuleKeys { get; }

    public double[][] Thresholds { get; }

    public string[][] ThresholdKeys { get; }

    /// <summary>Per rule: the key of its limit event.</summary>
    public string[] LimitKeys { get; }

    /// <summary>
    /// Per rule: committed spend below this cannot reach any soft threshold, so the exact ratio (a decimal
    /// division per threshold) is only computed near or above the lowest threshold.
    /// </summary>
    public decimal[] ThresholdFloors { get; }

    /// <summary>Per rule: the limit as a double, for the utilization gauge.</summary>
    public double[] LimitsAsDouble { get; }

    /// <summary>Per rule: the utilization gauge's slot.</summary>
    public StrongBox<double>[] Utilization { get; }

    /// <summary>Gets a value indicating whether any applying rule throttles.</summary>
    public bool HasThrottleRules { get; }

    public DateTimeOffset ValidFrom { get; }

    public DateTimeOffset ValidUntil { get; }

    private IReadOnlyList<BudgetRule> Source { get; }

    /// <summary>Whether the plan still describes spend at <paramref name="now"/> under <paramref name="rules"/>.</summary>
    public bool IsValidFor(DateTimeOffset now, IReadOnlyList<BudgetRule> rules) =>
        ReferenceEquals(rules, Source) && now >= ValidFrom && now < ValidUntil;

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

    public BudgetPeriod PeriodOf(int counter) => Periods[counter / ScopeCount];

    // The ratio test is (double)(committed / limit) >= threshold. Below (1 - 1e-12) of the lowest threshold's
    // share of the limit it is false whatever the rounding (decimal keeps 28 digits, double 15-17), so the floor
    // only skips work and never changes which events are raised. For shares so small that the decimal's
    // 28 decimal places could round the floor up past that margin, nothing is skipped.
    private static decimal ThresholdFloor(decimal limit, double[] thresholds)
    {
        if (thresholds.Length == 0)
        {
            return decimal.MaxValue;
        }

        var floor = (decimal)thresholds.Min() * limit * (1m - 0.000_000_000_001m);
        return floor < 0.000_000_000_000_001m ? decimal.MinValue : floor;
    }

    // Long enough for reports on the previous period; short enough that hourly counters do not pile up.
    private static TimeSpan Retention(BudgetWindow window) => window switch
    {
        BudgetWindow.Hourly => TimeSpan.FromDays(2),
        BudgetWindow.Daily => TimeSpan.FromDays(40),
        BudgetWindow.Weekly => TimeSpan.FromDays(70),
        _ => TimeSpan.FromDays(400),
    };
}
