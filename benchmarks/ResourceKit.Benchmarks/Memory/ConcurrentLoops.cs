namespace ResourceKit.Benchmarks.Memory;

/// <summary>Splits a benchmark's operations over concurrent workers, or runs them inline for one worker.</summary>
internal static class ConcurrentLoops
{
    /// <summary>Runs <paramref name="loop"/> for <paramref name="operations"/> in total, shared by <paramref name="workers"/> tasks.</summary>
    /// <param name="workers">How many workers run at once.</param>
    /// <param name="operations">The total operation count.</param>
    /// <param name="loop">Runs a given number of operations.</param>
    /// <returns>A task that completes when every worker is done.</returns>
    public static Task RunAsync(int workers, int operations, Func<int, Task> loop)
    {
        if (workers == 1)
        {
            return loop(operations);
        }

        var perWorker = operations / workers;
        var tasks = new Task[workers];
        for (var i = 0; i < workers; i++)
        {
            tasks[i] = Task.Run(() => loop(perWorker));
        }

        return Task.WhenAll(tasks);
    }
}
