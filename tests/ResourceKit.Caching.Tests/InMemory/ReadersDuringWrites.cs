namespace ResourceKit.Caching.Tests.InMemory;

/// <summary>
/// Runs writer and reader threads so that reads overlap the writes whatever the machine's speed: on two cores, pool
/// tasks would often let the writers finish before a reader starts, and a race test would pass without racing.
/// </summary>
internal static class ReadersDuringWrites
{
    private const int ReadsBeforeWriting = 100;
    private const int WritesBetweenWaits = 250;
    private const int ReadsPerWait = 20;

    /// <summary>
    /// Starts <paramref name="readers"/> threads calling <paramref name="read"/> (reader index, read index) until every
    /// writer is done, and <paramref name="writers"/> threads calling <paramref name="write"/> (writer index, write
    /// index) <paramref name="writesPerWriter"/> times. Writers start once every reader has read, and every
    /// 250 writes wait for the readers to read again. Returns how many reads started while the writers were writing,
    /// which is at least <see cref="MinimumOverlap"/>.
    /// </summary>
    public static long Run(int writers, int writesPerWriter, Action<int, int> write, int readers, Action<int, int> read)
    {
        var writersDone = 0;
        var writersStarted = 0;
        long reads = 0;
        long readsWhileWriting = 0;
        using var readersRunning = new CountdownEvent(readers);

        // Readers read until the writers finish, so a writer's wait for their progress always ends.
        var writerTasks = Enumerable.Range(0, writers).Select(w => Dedicated(() =>
        {
            readersRunning.Wait();
            Interlocked.Increment(ref writersStarted);
            for (var i = 0; i < writesPerWriter; i++)
            {
                if (i % WritesBetweenWaits == 0)
                {
                    var seen = Volatile.Read(ref reads);
                    SpinWait.SpinUntil(() => Volatile.Read(ref reads) >= seen + ReadsPerWait);
                }

                write(w, i);
            }

            Interlocked.Increment(ref writersDone);
        }));
        var readerTasks = Enumerable.Range(0, readers).Select(r => Dedicated(() =>
        {
            var mine = 0;
            do
            {
                var writing = Volatile.Read(ref writersStarted) > 0 && Volatile.Read(ref writersDone) < writers;
                read(r, mine);
                Interlocked.Increment(ref reads);
                if (writing)
                {
                    Interlocked.Increment(ref readsWhileWriting);
                }

                if (++mine == ReadsBeforeWriting)
                {
                    readersRunning.Signal();
                }
            }
            while (Volatile.Read(ref writersDone) < writers);
        }));

        if (!Task.WaitAll([.. writerTasks, .. readerTasks], TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("The reader and writer threads did not finish within 60 s.");
        }

        return readsWhileWriting;
    }

    /// <summary>A floor under the reads <see cref="Run"/> counts while one writer writes <paramref name="writesPerWriter"/> times.</summary>
    /// <remarks>One wait short of every wait's reads: a read that began just before the first writer started is among the reads
    /// that wait counted but not among those made while writing.</remarks>
    public static long MinimumOverlap(int writesPerWriter) => (long)((writesPerWriter - 1) / WritesBetweenWaits) * ReadsPerWait;

    private static Task Dedicated(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
