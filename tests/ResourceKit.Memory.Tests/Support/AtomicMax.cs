namespace ResourceKit.Memory.Tests.Support;

/// <summary>Records the highest value seen by many threads at once.</summary>
internal static class AtomicMax
{
    public static void Update(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
