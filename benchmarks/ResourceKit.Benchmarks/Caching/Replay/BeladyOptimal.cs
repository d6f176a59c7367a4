namespace ResourceKit.Benchmarks.Caching.Replay;

/// <summary>
/// Belady's optimal policy (OPT) with bypass: on a miss with the cache full, the key used furthest
/// in the future leaves, and the requested key is not admitted at all if it is that key. No
/// online policy can beat its hit ratio.
/// </summary>
internal static class BeladyOptimal
{
    public static long Hits(long[] trace, int capacity)
    {
        var nextUse = new int[trace.Length];
        var seen = new Dictionary<long, int>();
        for (var i = trace.Length - 1; i >= 0; i--)
        {
            nextUse[i] = seen.TryGetValue(trace[i], out var next) ? next : int.MaxValue;
            seen[trace[i]] = i;
        }

        // Cached keys and their next use; a max-heap on next use with lazy deletion of stale entries.
        var cached = new Dictionary<long, int>(capacity);
        var heap = new PriorityQueue<long, int>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        long hits = 0;
        for (var i = 0; i < trace.Length; i++)
        {
            var key = trace[i];
            var next = nextUse[i];
            if (cached.ContainsKey(key))
            {
                hits++;
                cached[key] = next;
                heap.Enqueue(key, next);
                continue;
            }

            if (next == int.MaxValue)
            {
                continue;
            }

            if (cached.Count >= capacity)
            {
                while (heap.TryPeek(out var top, out var topNext) && (!cached.TryGetValue(top, out var current) || current != topNext))
                {
                    heap.Dequeue();
                }

                heap.TryPeek(out var victim, out var victimNext);
                if (victimNext <= next)
                {
                    continue;
                }

                heap.Dequeue();
                cached.Remove(victim);
            }

            cached[key] = next;
            heap.Enqueue(key, next);
        }

        return hits;
    }
}
