using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Budgets;

/// <content>Rule evaluation after each operation: soft thresholds, limits, throttles, status and reports.</content>
public sealed partial class SpendLedger
{
    /// <summary>Returns the spending report: every window's current period with breakdowns, and every rule's standing.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The report.</returns>
    public async ValueTask<SpendReport> GetReportAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var windows = new List<WindowSpend>();
        var statuses = new List<BudgetRuleStatus>();
        var rules = _rules;
        foreach (var window in Enum.GetValues<BudgetWindow>())
        {
            var period = Calendar.GetPeriod(window, now);
            var balances = await _store.GetBalancesAsync(period.Key, cancellationToken).ConfigureAwait(false);
            var global = balances.FirstOrDefault(b => b.Scope == "global");
            windows.Add(new WindowSpend(
                period, global.Committed, global.Reserved, Breakdown(balances, "category:"), Breakdown(balances, "model:"), Breakdown(balances, "agent:")));

            foreach (var rule in rules.Where(r => r.Window == window))
            {
                var key = SpendPlan.ScopeKey(rule.Scope, SpendAttribution.Normalize(rule.ScopeValue));

                // A rule for each value separately reports its worst value: one that reached its limit, else the fullest.
                var balance = rule.Scope != BudgetScope.Global && string.IsNullOrEmpty(rule.ScopeValue)
                    ? balances.Where(b => b.Scope.StartsWith(SpendPlan.ScopeKey(rule.Scope, null), StringComparison.Ordinal))
                        .OrderByDescending(b => _raised.ContainsKey(SpendPlan.LimitKey(rule.Name, period.Key, b.Scope)))
                        .ThenByDescending(b => b.Committed + b.Reserved)
                        .DefaultIfEmpty(new LedgerBalance(period.Key, SpendPlan.ScopeKey(rule.Scope, "*"), 0, 0))
                        .First()
                    : balances.FirstOrDefault(b => b.Scope == key, new LedgerBalance(period.Key, key, 0, 0));
                statuses.Add(new BudgetRuleStatus(rule.Name, rule.Action, period, balance.Scope, rule.Limit, balance.Committed, balance.Reserved)
                {
                    IsLimitReached = _raised.ContainsKey(SpendPlan.LimitKey(rule.Name, period.Key, balance.Scope)),
                });
            }
        }

        return new SpendReport(now, Calendar.TimeZone.Id, windows, statuses);
    }

    private static List<ScopeSpend> Breakdown(IReadOnlyList<LedgerBalance> balances, string prefix) =>
        balances.Where(b => b.Scope.StartsWith(prefix, StringComparison.Ordinal))
            .Select(b => new ScopeSpend(b.Scope[prefix.Length..], b.Committed, b.Reserved))
            .OrderByDescending(s => s.Committed + s.Reserved)
            .ToList();

    private async ValueTask<IReadOnlyList<BudgetRuleStatus>> GetStatusAsync(SpendPlan plan, CancellationToken cancellationToken)
    {
        var byPeriod = new Dictionary<string, IReadOnlyList<LedgerBalance>>(StringComparer.Ordinal);
        var statuses = new List<BudgetRuleStatus>(plan.Rules.Length);
        for (var i = 0; i < plan.Rules.Length; i++)
        {
            var (rule, counter) = plan.Rules[i];
            var target = plan.Counters[counter];
            if (!byPeriod.TryGetValue(target.Period, out var balances))
            {
                balances = await _store.GetBalancesAsync(target.Period, cancellationToken).ConfigureAwait(false);
                byPeriod[target.Period] = balances;
            }

            var balance = balances.FirstOrDefault(b => b.Scope == target.Scope);
            statuses.Add(new BudgetRuleStatus(rule.Name, rule.Action, plan.PeriodOf(counter), target.Scope, rule.Limit, balance.Committed, balance.Reserved)
            {
                IsLimitReached = _raised.ContainsKey(plan.LimitKeys[i]),
            });
        }

        return statuses;
    }

    private BudgetDecision CheckThrottles(SpendPlan plan, DateTimeOffset now, decimal amount, bool consume)
    {
        // Gates exist only once a throttle rule is over its limit; until then there is nothing to look up.
        if (!plan.HasThrottleRules || Volatile.Read(ref _throttleGateCount) == 0)
        {
            return BudgetDecision.Allowed;
        }

        for (var i = 0; i < plan.Rules.Length; i++)
        {
            var (rule, counter) = plan.Rules[i];
            if (rule.Action != BudgetAction.Throttle
                || !_throttles.TryGetValue(plan.RuleKeys[i], out var gate)
                || gate.TryAdmit(now, _throttleInterval, consume, out var retryAfter))
            {
                continue;
            }

            var period = plan.PeriodOf(counter);
            var denial = new BudgetDenial(rule.Name, rule.Action, rule.Window, period.Key, plan.Counters[counter].Scope, rule.Limit, gate.Committed, 0m, amount);
            if (consume)
            {
                _metrics.Throttled("budget");
            }

            return new BudgetDecision(BudgetStatus.Throttled, denial, retryAfter);
        }

        return BudgetDecision.Allowed;
    }

    private BudgetDenial Deny(SpendPlan plan, BudgetRule rule, int counter, decimal committed, decimal reserved, decimal amount)
    {
        var denial = new BudgetDenial(
            rule.Name, rule.Action, rule.Window, plan.Counters[counter].Period, plan.Counters[counter].Scope, rule.Limit, committed, reserved, amount);
        _metrics.Rejected(denial);
        CostLog.RequestDenied(_logger, denial.ToString());
        return denial;
    }

    private void Observe(SpendPlan plan, ReadOnlySpan<decimal> committedTotals, ReadOnlySpan<decimal> reservedTotals)
    {
        for (var w = 0; w < plan.Periods.Length; w++)
        {
            _metrics.WindowSpend(plan.Periods[w].Window, committedTotals[w * SpendPlan.ScopeCount]);
        }

        // A plan built before ReplaceRules (a call reserved under the old rules) must not report a changed or removed
        // rule's utilization against its old limit. An observation racing ReplaceRules itself may still leave its
        // value until the next one: the gauge is a reading, not state the ledger acts on.
        var stale = !plan.IsBuiltFrom(_rules);
        for (var i = 0; i < plan.Rules.Length; i++)
        {
            var (rule, counter) = plan.Rules[i];
            var committed = committedTotals[counter];
            var approximate = (double)committed;
            if (!stale || !IsReplaced(plan, rule))
            {
                Volatile.Write(ref plan.Utilization[i].Value, (approximate + (double)reservedTotals[counter]) / plan.LimitsAsDouble[i]);
            }

            // Doubles first, exact decimals only near a boundary (see SpendPlan.GateMargin).
            if (approximate >= plan.ThresholdGates[i])
            {
                RaiseThresholds(plan, i, committed);
            }

            if (approximate >= plan.LimitGates[i] && committed >= rule.Limit)
            {
                ObserveLimitReached(plan, i, committed);
            }
        }
    }

    private void RaiseThresholds(SpendPlan plan, int index, decimal committed)
    {
        var (rule, counter) = plan.Rules[index];
        var period = plan.PeriodOf(counter);
        if (HasEnded(period))
        {
            return;
        }

        var ratio = (double)(committed / rule.Limit);
        var thresholds = plan.Thresholds[index];
        for (var t = 0; t < thresholds.Length; t++)
        {
            var threshold = thresholds[t];
            var key = plan.ThresholdKeys[index][t];
            if (ratio < threshold || _raised.ContainsKey(key))
            {
                continue;
            }

            bool added;
            lock (_rulesLock)
            {
                if (IsReplaced(plan, rule))
                {
                    return;
                }

                added = _raised.TryAdd(key, period.End);
            }

            if (added)
            {
                CostLog.ThresholdReached(_logger, rule.Name, threshold, rule.Limit, period.Key, committed);
                Raise(ThresholdReached, new BudgetThresholdEventArgs(rule, period, threshold, committed));
            }
        }
    }

    private void ObserveLimitReached(SpendPlan plan, int index, decimal committed)
    {
        var (rule, counter) = plan.Rules[index];
        var period = plan.PeriodOf(counter);
        if (HasEnded(period))
        {
            return;
        }

        // The gate and the event key exist already once a limit is reached, so the lock is taken only the first time.
        var gated = rule.Action != BudgetAction.Throttle;
        if (!gated && _throttles.TryGetValue(plan.RuleKeys[index], out var gate))
        {
            gate.Committed = committed;
            gated = true;
        }

        if (gated && _raised.ContainsKey(plan.LimitKeys[index]))
        {
            return;
        }

        bool added;
        lock (_rulesLock)
        {
            // A call reserved before ReplaceRules must not judge a changed or removed rule against its old limit:
            // that would set again the state ReplaceRules forgot (and may request a shutdown the new rules do not).
            if (IsReplaced(plan, rule))
            {
                return;
            }

            if (!gated)
            {
                var key = plan.RuleKeys[index];
                if (_throttles.TryAdd(key, new ThrottleGate(period.End, _time.GetUtcNow() + _throttleInterval, committed)))
                {
                    Interlocked.Increment(ref _throttleGateCount);
                }
                else if (_throttles.TryGetValue(key, out gate))
                {
                    gate.Committed = committed;
                }
            }

            added = _raised.TryAdd(plan.LimitKeys[index], period.End);
        }

        if (added)
        {
            CostLog.LimitReached(_logger, rule.Name, rule.Limit, period.Key, committed, rule.Action.ToString());
            var args = new BudgetLimitEventArgs(rule, period, committed);
            Raise(LimitReached, args);
            if (rule.Action == BudgetAction.Shutdown)
            {
                Raise(ShutdownRequested, args);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="rule"/>, from a plan built before the rules were last replaced, has since changed or been
    /// removed. Call under <see cref="_rulesLock"/> before setting state, so ReplaceRules cannot forget the rule between
    /// this and what follows.
    /// </summary>
    private bool IsReplaced(SpendPlan plan, BudgetRule rule)
    {
        var rules = _rules;
        return !plan.IsBuiltFrom(rules) && !Array.Exists(rules, r => r.IsSameAs(rule));
    }

    /// <summary>
    /// A reservation taken near the end of a period can settle after it: its spend still counts for that period, but
    /// the period's events are over (its keys may already be swept), so a late settle must not raise them again, nor
    /// request a shutdown for a month that has ended.
    /// </summary>
    private bool HasEnded(BudgetPeriod period) => period.End <= _time.GetUtcNow();

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }

        // A faulty subscriber must not break the spend path that raised the event.
        foreach (var subscriber in handler.GetInvocationList().Cast<EventHandler<T>>())
        {
            try
            {
                subscriber(this, args);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                CostLog.EventHandlerFailed(_logger, ex);
            }
        }
    }
}
