using Microsoft.Extensions.Logging;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Renews the holds of running calls for one ledger on a single <see cref="TimeProvider"/> timer. Without renewal a
/// call or stream longer than the time to live loses its hold, another caller reserves the freed money, and the late
/// settle pushes committed spend past a hard limit.
/// </summary>
/// <remarks>
/// Each hold is renewed every <c>interval</c> after it was added, as a periodic timer per call would, but adding and
/// removing one only links or unlinks the reservation in a list under a short lock: no timer is created or disposed
/// per call. The list is ordered by due time; as every hold is added with the same interval on a monotonic clock, a new
/// or renewed entry almost always goes at the tail. The one-shot timer is set for the head; it renews whatever is due,
/// puts it back one interval later and sets itself for the new head. The timer is created with the first hold (so a
/// clock that refuses timers fails the call that needs one) and is left idle when the list empties.
/// </remarks>
internal sealed class ReservationRenewalSchedule : IDisposable
{
    private static readonly TimeSpan Idle = Timeout.InfiniteTimeSpan;

    private readonly SpendLedger _ledger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly long _origin;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private BudgetReservation? _head;
    private BudgetReservation? _tail;
    private int _count;
    private bool _armed;
    private bool _disposed;

    public ReservationRenewalSchedule(SpendLedger ledger, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _ledger = ledger;
        _time = time;
        _interval = interval;
        _logger = logger;
        _origin = time.GetTimestamp();
    }

    /// <summary>Gets the number of holds being kept alive.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Renews <paramref name="reservation"/> every interval from now until <see cref="Remove"/>. Does nothing when the
    /// reservation is already scheduled or the schedule is disposed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The clock refuses a timer with this interval.</exception>
    public void Add(BudgetReservation reservation)
    {
        lock (_gate)
        {
            if (_disposed || reservation.IsScheduledForRenewal)
            {
                return;
            }

            var due = Now() + _interval;
            if (!_armed)
            {
                // Arm before linking: a timer the clock refuses must leave nothing scheduled.
                (_timer ??= CreateTimer()).Change(WholeMilliseconds(_interval), Idle);
                _armed = true;
            }

            reservation.RenewalDue = due;
            Insert(reservation);
            _count++;
        }
    }

    /// <summary>Stops renewing <paramref name="reservation"/>; a renewal already running finishes. Harmless when not scheduled.</summary>
    public void Remove(BudgetReservation reservation)
    {
        lock (_gate)
        {
            if (reservation.IsScheduledForRenewal)
            {
                Unlink(reservation);
                _count--;
            }
        }
    }

    /// <summary>Stops every renewal: the timer is disposed and later additions are ignored.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
            while (_head is { } head)
            {
                Unlink(head);
            }

            _count = 0;
        }
    }

    /// <summary>Rounds up to whole milliseconds, which timers count in (the fake clock truncates), so the head is due when it fires.</summary>
    private static TimeSpan WholeMilliseconds(TimeSpan delay) =>
        TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(delay.TotalMilliseconds)));

    private ITimer CreateTimer()
    {
        // One timer serves every caller: it must not capture (and keep alive) the first caller's execution context.
        var suppressed = ExecutionContext.IsFlowSuppressed();
        if (!suppressed)
        {
            ExecutionContext.SuppressFlow();
        }

        try
        {
            return _time.CreateTimer(static state => ((ReservationRenewalSchedule)state!).Tick(), this, Idle, Idle);
        }
        finally
        {
            if (!suppressed)
            {
                ExecutionContext.RestoreFlow();
            }
        }
    }

    private TimeSpan Now() => _time.GetElapsedTime(_origin);

    private void Tick()
    {
        List<BudgetReservation>? due = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Each renewed entry goes back with a due time after now, so this stops at the first entry not yet due.
            var now = Now();
            while (_head is { } head && head.RenewalDue <= now)
            {
                // One interval after the last due time, as a periodic timer keeps its phase; a timer that fired more
                // than an interval late (a suspended process) renews once and starts again from now.
                var next = head.RenewalDue + _interval;
                Unlink(head);
                head.RenewalDue = next > now ? next : now + _interval;
                Insert(head);
                (due ??= []).Add(head);
            }

            _armed = _head is not null;
            if (_armed)
            {
                _timer!.Change(WholeMilliseconds(_head!.RenewalDue - now), Idle);
            }
        }

        // Outside the lock: a synchronous store renews under its own lock, and callers must not wait for that.
        if (due is not null)
        {
            foreach (var reservation in due)
            {
                _ = RenewAsync(reservation);
            }
        }
    }

    private async Task RenewAsync(BudgetReservation reservation)
    {
        // A slow store must not pile renewals up; the next due time tries again.
        if (!reservation.TryBeginRenewal())
        {
            return;
        }

        try
        {
            if (!await _ledger.RenewAsync(reservation).ConfigureAwait(false) && !reservation.IsCompleted && reservation.TryReportHoldLost())
            {
                CostLog.HoldLost(_logger, reservation.Id);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CostLog.RenewFailed(_logger, ex, reservation.Id);
        }
        finally
        {
            reservation.EndRenewal();
        }
    }

    /// <summary>Links the entry (its due time set) in due-time order, searching from the tail, where it nearly always belongs.</summary>
    private void Insert(BudgetReservation reservation)
    {
        var previous = _tail;
        while (previous is not null && previous.RenewalDue > reservation.RenewalDue)
        {
            previous = previous.RenewalPrevious;
        }

        var next = previous is null ? _head : previous.RenewalNext;
        Connect(previous, reservation);
        Connect(reservation, next);
    }

    private void Unlink(BudgetReservation reservation)
    {
        Connect(reservation.RenewalPrevious, reservation.RenewalNext);
        reservation.RenewalPrevious = null;
        reservation.RenewalNext = null;
        reservation.RenewalDue = TimeSpan.Zero;
    }

    /// <summary>Makes <paramref name="next"/> follow <paramref name="previous"/>; a null end is the head or the tail.</summary>
    private void Connect(BudgetReservation? previous, BudgetReservation? next)
    {
        if (previous is null)
        {
            _head = next;
        }
        else
        {
            previous.RenewalNext = next;
        }

        if (next is null)
        {
            _tail = previous;
        }
        else
        {
            next.RenewalPrevious = previous;
        }
    }
}
