using Microsoft.Extensions.Logging;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Renews one reservation's hold on a <see cref="TimeProvider"/> timer while its call runs. Without it a call or
/// stream longer than the time to live loses its hold, another caller reserves the freed money, and the late
/// settle pushes committed spend past a hard limit.
/// </summary>
internal sealed class ReservationKeepAlive : IDisposable
{
    private readonly SpendLedger _ledger;
    private readonly BudgetReservation _reservation;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _renewing;
    private int _lost;

    public ReservationKeepAlive(SpendLedger ledger, BudgetReservation reservation, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _ledger = ledger;
        _reservation = reservation;
        _logger = logger;
        _timer = time.CreateTimer(static state => _ = ((ReservationKeepAlive)state!).RenewAsync(), this, interval, interval);
    }

    public void Dispose() => _timer.Dispose();

    private async Task RenewAsync()
    {
        // A slow store must not pile renewals up; the next tick tries again.
        if (Interlocked.Exchange(ref _renewing, 1) != 0)
        {
            return;
        }

        try
        {
            if (!await _ledger.RenewAsync(_reservation).ConfigureAwait(false) && !_reservation.IsCompleted && Interlocked.Exchange(ref _lost, 1) == 0)
            {
                CostLog.HoldLost(_logger, _reservation.Id);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CostLog.RenewFailed(_logger, ex, _reservation.Id);
        }
        finally
        {
            Volatile.Write(ref _renewing, 0);
        }
    }
}
