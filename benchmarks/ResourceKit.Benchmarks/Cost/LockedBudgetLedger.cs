namespace ResourceKit.Benchmarks.Cost;

/// <summary>
/// The baseline a user would hand-roll: one lock, one daily total and one reserved total, one limit.
/// No windows beyond the day, no scopes, no expiry, no persistence.
/// </summary>
internal sealed class LockedBudgetLedger(decimal limit)
{
    private readonly Lock _gate = new();
    private decimal _spent;
    private decimal _reserved;

    public bool TryReserve(decimal amount)
    {
        lock (_gate)
        {
            if (_spent + _reserved + amount > limit)
            {
                return false;
            }

            _reserved += amount;
            return true;
        }
    }

    public void Settle(decimal reserved, decimal actual)
    {
        lock (_gate)
        {
            _reserved -= reserved;
            _spent += actual;
        }
    }
}
