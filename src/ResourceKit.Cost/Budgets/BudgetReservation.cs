using ResourceKit.Cost.Diagnostics;
using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Money held for one call. Settle it with the actual cost, or release it when the call fails; the first
/// of the two wins and later calls do nothing. An abandoned reservation expires by itself. If the store fails
/// to settle or release it (the exception reaches the caller), the reservation stays open, so the call can be
/// retried instead of the spend being lost.
/// </summary>
public sealed class BudgetReservation
{
    private const int Renewing = 1;
    private const int HoldLostReported = 2;

    private int _completed;
    private long _expiresAtTicks;
    private int _renewalFlags;

    internal BudgetReservation(SpendPlan plan, LedgerReservation ticket)
    {
        Plan = plan;
        Ticket = ticket;
        ReservedUnits = CostMetrics.ToReservedUnits(ticket.Amount);
        _expiresAtTicks = ticket.ExpiresAt.UtcTicks;
    }

    /// <summary>Gets the reservation identifier.</summary>
    public string Id => Ticket.Id;

    /// <summary>Gets whom the spend is charged to.</summary>
    public SpendAttribution Attribution => Plan.Attribution;

    /// <summary>Gets the amount held.</summary>
    public decimal Amount => Ticket.Amount;

    /// <summary>
    /// Gets when the hold expires, as last renewed (see <see cref="SpendLedger.RenewAsync"/>). With the memory and file
    /// stores this is on the ledger's monotonic clock (its start time plus elapsed time), which a wall clock step
    /// does not move; with Redis it is wall-clock time.
    /// </summary>
    public DateTimeOffset ExpiresAt => new(Volatile.Read(ref _expiresAtTicks), TimeSpan.Zero);

    /// <summary>Gets a value indicating whether the reservation was settled or released.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    internal LedgerReservation Ticket { get; }

    internal SpendPlan Plan { get; }

    /// <summary>Gets the amount in the units of the reserved gauge, converted once for reserve and settle.</summary>
    internal long ReservedUnits { get; }

    // The reservation is its own entry in its ledger's renewal schedule (guarded by the schedule's lock), so that
    // keeping a call's hold alive allocates nothing per call. See ReservationRenewalSchedule.

    /// <summary>Gets or sets the entry before this one in the renewal schedule, which is ordered by due time.</summary>
    internal BudgetReservation? RenewalPrevious { get; set; }

    /// <summary>Gets or sets the entry after this one in the renewal schedule.</summary>
    internal BudgetReservation? RenewalNext { get; set; }

    /// <summary>
    /// Gets or sets when the hold is next renewed, as elapsed time on the schedule's clock (always after its start);
    /// <see cref="TimeSpan.Zero"/> while the reservation is not in a renewal schedule.
    /// </summary>
    internal TimeSpan RenewalDue { get; set; }

    /// <summary>Gets a value indicating whether the reservation is in a renewal schedule.</summary>
    internal bool IsScheduledForRenewal => RenewalDue > TimeSpan.Zero;

    /// <summary>Claims the renewal of the hold; false while an earlier renewal is still running (a slow store).</summary>
    internal bool TryBeginRenewal() => (Interlocked.Or(ref _renewalFlags, Renewing) & Renewing) == 0;

    internal void EndRenewal() => Interlocked.And(ref _renewalFlags, ~Renewing);

    /// <summary>True the first time only, so a lost hold is reported once however often renewal fails again.</summary>
    internal bool TryReportHoldLost() => (Interlocked.Or(ref _renewalFlags, HoldLostReported) & HoldLostReported) == 0;

    internal void Renewed(DateTimeOffset expiresAt) => Volatile.Write(ref _expiresAtTicks, expiresAt.UtcTicks);

    internal bool TryComplete() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>Undoes <see cref="TryComplete"/> after the store failed, so a retry can settle or release.</summary>
    internal void Reopen() => Volatile.Write(ref _completed, 0);
}
