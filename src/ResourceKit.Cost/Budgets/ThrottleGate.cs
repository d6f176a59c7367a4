namespace ResourceKit.Cost.Budgets;

/// <summary>Admits one request per interval once a throttle rule is over its limit in a period.</summary>
internal sealed class ThrottleGate(DateTimeOffset periodEnd, DateTimeOffset firstAdmission, decimal committed)
{
    private long _nextAdmissionTicks = firstAdmission.UtcTicks;

    public DateTimeOffset PeriodEnd { get; } = periodEnd;

    public decimal Committed { get; set; } = committed;

    public bool TryAdmit(DateTimeOffset now, TimeSpan interval, bool consume, out TimeSpan retryAfter)
    {
        while (true)
        {
            var next = Interlocked.Read(ref _nextAdmissionTicks);
            if (now.UtcTicks < next)
            {
                if (next - now.UtcTicks > interval.Ticks)
                {
                    // The wall clock stepped back: no admission is ever more than one interval away.
                    Interlocked.CompareExchange(ref _nextAdmissionTicks, now.UtcTicks + interval.Ticks, next);
                    continue;
                }

                retryAfter = TimeSpan.FromTicks(next - now.UtcTicks);
                return false;
            }

            retryAfter = TimeSpan.Zero;
            if (!consume || Interlocked.CompareExchange(ref _nextAdmissionTicks, now.UtcTicks + interval.Ticks, next) == next)
            {
                return true;
            }
        }
    }
}
