namespace ResourceKit.Scheduling;

/// <summary>The last <see cref="Capacity"/> run durations, for percentiles. Not thread-safe: callers lock.</summary>
internal sealed class DurationWindow
{
    public const int Capacity = 256;
    private readonly long[] _ticks = new long[Capacity];
    private int _count;
    private int _next;

    public void Add(TimeSpan duration)
    {
        _ticks[_next] = duration.Ticks;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    public TimeSpan Percentile(double fraction)
    {
        if (_count == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = _ticks.AsSpan(0, _count).ToArray();
        Array.Sort(sorted);
        int index = Math.Clamp((int)Math.Ceiling(fraction * _count) - 1, 0, _count - 1);
        return TimeSpan.FromTicks(sorted[index]);
    }
}
