using ResourceKit.Agents.Monitoring;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.Agents.Adapters;

/// <summary>
/// Reports LLM spend for the current hour and day (<c>api_cost_hourly</c>, <c>api_cost_daily</c>, committed plus
/// reserved, in dollars) and the highest utilization of any budget rule, so the seed's spend thresholds raise alerts.
/// </summary>
/// <param name="ledger">The spend ledger.</param>
public sealed class CostMetricSource(SpendLedger ledger) : IHealthMetricSource
{
    private readonly SpendLedger _ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));

    /// <inheritdoc />
    public async ValueTask CollectAsync(ICollection<MetricReading> readings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var report = await _ledger.GetReportAsync(cancellationToken).ConfigureAwait(false);
        foreach (var window in report.Windows)
        {
            var metric = window.Period.Window switch
            {
                BudgetWindow.Hourly => MetricNames.ApiCostHourly,
                BudgetWindow.Daily => MetricNames.ApiCostDaily,
                _ => null,
            };
            if (metric is not null)
            {
                readings.Add(new MetricReading(ComponentNames.Cost, metric, (double)(window.Committed + window.Reserved)));
            }
        }

        if (report.Rules.Count > 0)
        {
            readings.Add(new MetricReading(ComponentNames.Cost, "budget_utilization", report.Rules.Max(r => r.Utilization)));
        }
    }
}
