namespace ResourceKit.Cost.Budgets;

/// <summary>The outcome of <see cref="SpendLedger.TryReserveAsync(SpendAttribution, decimal, CancellationToken)"/>.</summary>
/// <param name="Decision">Whether the money was held, and why not.</param>
/// <param name="Reservation">The reservation when granted.</param>
public readonly record struct BudgetReservationResult(BudgetDecision Decision, BudgetReservation? Reservation)
{
    /// <summary>Gets a value indicating whether the money is held.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Reservation))]
    public bool IsGranted => Reservation is not null;
}
