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
        SpendAttribution attribution,
        BudgetPeriod[] periods,
        LedgerCounter[] counters,
        (BudgetRule Rule, int Counter)[] rules,
        IReadOnlyList<BudgetRule> source,
        IReadOnlyList<double> defaultThresholds)
    {
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
    }

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
        BudgetCalendar calendar, IReadOnlyList<BudgetRule> rules, IReadOnlyList<double> defaultThresholds, SpendAttribution attribution, DateTimeOffset now)
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

        return new SpendPlan(attribution, periods, counters, [.. applying], rules, defaultThresholds);
    }

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
