using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Diagnostics;

/// <summary>
/// Reports budget state: unhealthy when a Block or Shutdown rule is exhausted (nothing left, or it reached its limit
/// by refusing calls; see <see cref="BudgetRuleStatus.IsExhausted"/>),
/// degraded when any rule is at or above <see cref="DegradedUtilization"/> or a throttle is in force, or when the store
/// holds spend it has not yet saved (<see cref="ISpendStore.UnsavedSpend"/>: its disk or Redis refused it for now).
/// </summary>
/// <remarks>
/// The data holds each rule's utilization under the rule's name and, while spend is unsaved, the unsaved amount in
/// USD under <see cref="UnsavedSpendKey"/>.
/// </remarks>
/// <param name="ledger">The spend ledger.</param>
public sealed class CostBudgetHealthCheck(SpendLedger ledger) : IHealthCheck
{
    /// <summary>The utilization at or above which the check reports degraded.</summary>
    public const double DegradedUtilization = 0.9;

    /// <summary>The data key of the spend the store has not yet saved, in USD; present only while it is above zero.</summary>
    public const string UnsavedSpendKey = "unsavedSpend";

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
            // Redis down: the store writes what it kept before it reads, so the read fails while anything is unsaved.
            var kept = ledger.UnsavedSpend;
            return new HealthCheckResult(
                context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy,
                "The spend store cannot be read." + (kept > 0 ? " " + DescribeUnsaved(kept) : string.Empty),
                ex,
                kept > 0 ? new Dictionary<string, object> { [UnsavedSpendKey] = kept } : null);
        }

        // Read after the report: a store that had been refused writes what it kept before it reads.
        var unsaved = ledger.UnsavedSpend;
        var data = report.Rules.ToDictionary(r => r.RuleName, r => (object)Math.Round(r.Utilization, 4), StringComparer.Ordinal);
        if (unsaved > 0)
        {
            data[UnsavedSpendKey] = unsaved;
        }

        var blocking = report.Rules.FirstOrDefault(r => r.Action is BudgetAction.Block or BudgetAction.Shutdown && r.IsExhausted);
        if (blocking.RuleName is not null)
        {
            return HealthCheckResult.Unhealthy(
                $"Budget rule '{blocking.RuleName}' ({blocking.Action}) is exhausted for {blocking.Period.Key}: {blocking.Committed + blocking.Reserved:0.####} of {blocking.Limit:0.####}.",
                data: data);
        }

        if (unsaved > 0)
        {
            return HealthCheckResult.Degraded(DescribeUnsaved(unsaved), data: data);
        }

        var strained = report.Rules.FirstOrDefault(r => r.Utilization >= DegradedUtilization);
        return strained.RuleName is not null
            ? HealthCheckResult.Degraded($"Budget rule '{strained.RuleName}' is at {strained.Utilization:P0} of its limit for {strained.Period.Key}.", data: data)
            : HealthCheckResult.Healthy("Spend is within every budget rule.", data);
    }

    private static string DescribeUnsaved(decimal unsaved) => string.Format(
        CultureInfo.InvariantCulture,
        "{0:0.########} USD of spend is counted but not yet saved by the spend store (its disk or server refused it); the store writes it when it recovers, and it is lost if the process ends first.",
        unsaved);
}
