using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Diagnostics;

/// <summary>
/// Reports budget state: unhealthy when a Block or Shutdown rule is exhausted (nothing left, or it reached its limit
/// by refusing calls; see <see cref="BudgetRuleStatus.IsExhausted"/>),
/// degraded when any rule is at or above <see cref="DegradedUtilization"/> or a throttle is in force.
/// </summary>
/// <param name="ledger">The spend ledger.</param>
public sealed class CostBudgetHealthCheck(SpendLedger ledger) : IHealthCheck
{
    /// <summary>The utilization at or above which the check reports degraded.</summary>
    public const double DegradedUtilization = 0.9;

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        SpendReport report;
        try
        {
            report = await ledger.GetReportAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new HealthCheckResult(context?.Registration.FailureStatus ?? HealthStatus.Unhealthy, "The spend store cannot be read.", ex);
        }

        var data = report.Rules.ToDictionary(r => r.RuleName, r => (object)Math.Round(r.Utilization, 4), StringComparer.Ordinal);
        var blocking = report.Rules.FirstOrDefault(r => r.Action is BudgetAction.Block or BudgetAction.Shutdown && r.IsExhausted);
        if (blocking.RuleName is not null)
        {
            return HealthCheckResult.Unhealthy(
                $"Budget rule '{blocking.RuleName}' ({blocking.Action}) is exhausted for {blocking.Period.Key}: {blocking.Committed + blocking.Reserved:0.####} of {blocking.Limit:0.####}.",
                data: data);
        }

        var strained = report.Rules.FirstOrDefault(r => r.Utilization >= DegradedUtilization);
        return strained.RuleName is not null
            ? HealthCheckResult.Degraded($"Budget rule '{strained.RuleName}' is at {strained.Utilization:P0} of its limit for {strained.Period.Key}.", data: data)
            : HealthCheckResult.Healthy("Spend is within every budget rule.", data);
    }
}
