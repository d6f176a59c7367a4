using ResourceKit.Cost.Budgets;

namespace ResourceKit.AgentHost.Reporting;

/// <summary>Records the budget actions the ledger takes, for the console status and the run report.</summary>
internal sealed class BudgetActionLog : IDisposable
{
    private readonly SpendLedger _ledger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<BudgetActionTaken> _actions = [];

    public BudgetActionLog(SpendLedger ledger, TimeProvider time)
    {
        _ledger = ledger;
        _time = time;
        _ledger.ThresholdReached += OnThreshold;
        _ledger.LimitReached += OnLimit;
    }

    public IReadOnlyList<BudgetActionTaken> Actions
    {
        get
        {
            lock (_gate)
            {
                return [.. _actions];
            }
        }
    }

    public void Dispose()
    {
        _ledger.ThresholdReached -= OnThreshold;
        _ledger.LimitReached -= OnLimit;
    }

    private void OnThreshold(object? sender, BudgetThresholdEventArgs e) =>
        Add(new BudgetActionTaken(_time.GetUtcNow(), e.Rule.Name, "SoftThreshold", e.Period.Window.ToString(), e.Committed, e.Rule.Limit, e.Threshold));

    private void OnLimit(object? sender, BudgetLimitEventArgs e) =>
        Add(new BudgetActionTaken(_time.GetUtcNow(), e.Rule.Name, e.Rule.Action.ToString(), e.Period.Window.ToString(), e.Committed, e.Rule.Limit, null));

    private void Add(BudgetActionTaken action)
    {
        lock (_gate)
        {
            _actions.Add(action);
        }
    }
}
