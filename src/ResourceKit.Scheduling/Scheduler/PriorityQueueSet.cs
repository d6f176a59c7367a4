using System.Collections.Concurrent;

namespace ResourceKit.Scheduling;

/// <summary>
/// The five per-level FIFO queues and the aging rule that bounds starvation. Every operation is lock-free, so
/// submitters and workers never wait for each other.
/// </summary>
/// <remarks>
/// Critical items are always taken first and do not age other levels. Among the other levels, each dispatch
/// increments a bypass counter on every other non-empty non-critical level; a level whose counter reached
/// <c>maxBypassCount</c> is starved and the most urgent starved level is served next, resetting its counter.
/// A starved level can then be passed over only by more urgent levels that are also starved, each at most once.
/// </remarks>
internal sealed class PriorityQueueSet
{
    private const int Levels = 5;
    private readonly ConcurrentQueue<IWorkItem>[] _queues = new ConcurrentQueue<IWorkItem>[Levels];
    private readonly int[] _limits = new int[Levels];
    private readonly int[] _lengths = new int[Levels];
    private readonly int[] _dead = new int[Levels];
    private readonly int[] _bypassed = new int[Levels];
    private readonly int _maxBypassCount;

    public PriorityQueueSet(QueueLengthLimits limits, int maxBypassCount)
    {
        _maxBypassCount = maxBypassCount;
        for (int level = 0; level < Levels; level++)
        {
            _queues[level] = new ConcurrentQueue<IWorkItem>();
            _limits[level] = limits.For((WorkPriority)level);
        }
    }

    /// <summary>Gets a value indicating whether every queue is empty.</summary>
    public bool IsEmpty
    {
        get
        {
            for (int level = 0; level < Levels; level++)
            {
                if (!_queues[level].IsEmpty)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Gets the number of items in (or being added to) one level's queue.</summary>
    public int CountAt(WorkPriority priority)
    {
        int level = (int)priority;
        return _limits[level] > 0 ? Volatile.Read(ref _lengths[level]) : _queues[level].Count;
    }

    /// <summary>Adds an item unless its level is at its length limit. Safe to call from any thread.</summary>
    public bool TryEnqueue(IWorkItem item)
    {
        int level = (int)item.Priority;
        int limit = _limits[level];
        if (limit > 0)
        {
            int length;
            do
            {
                length = Volatile.Read(ref _lengths[level]);
                if (length >= limit)
                {
                    return false;
                }
            }
            while (Interlocked.CompareExchange(ref _lengths[level], length + 1, length) != length);
        }

        // Unbounded levels keep no length counter: a shared counter written by submitters and workers on every item
        // costs more than the queue itself.
        _queues[level].Enqueue(item);
        return true;
    }

    /// <summary>
    /// Gives back the place of an item its caller canceled while it waited. The item stays queued until a worker skips
    /// it, so at most a level's limit of such dead items get their places back at a time: beyond that they keep them,
    /// and the queue still holds at most twice its limit (workers that are held, as under the Defer policy, take none).
    /// </summary>
    public void ReleaseSlot(IWorkItem item)
    {
        int level = (int)item.Priority;
        int limit = _limits[level];
        if (limit == 0)
        {
            return;
        }

        if (Interlocked.Increment(ref _dead[level]) > limit)
        {
            Interlocked.Decrement(ref _dead[level]);
            return;
        }

        if (item.TryReleaseQueueSlot())
        {
            Interlocked.Decrement(ref _lengths[level]);
        }
        else
        {
            // A worker took it first and counted it as a live item.
            Interlocked.Decrement(ref _dead[level]);
        }
    }

    /// <summary>Whether a worker of the given kind would find something to take now.</summary>
    public bool HasDispatchable(bool criticalOnly, bool holdNonCritical) =>
        !_queues[0].IsEmpty || (!criticalOnly && !holdNonCritical && !IsEmpty);

    /// <summary>Takes the next item to dispatch, or <see langword="null"/> when none may run now. Safe to call from any thread.</summary>
    /// <param name="criticalOnly">Only critical items may be taken (a reserve worker).</param>
    /// <param name="holdNonCritical">Non-critical items are held (deferred while the CPU is overloaded).</param>
    /// <remarks>
    /// Lock-free: the bypass counters are updated with interlocked operations, so with one worker the starvation bound
    /// is exact, and with several workers each concurrent dispatch may pass a just-starved level once more.
    /// </remarks>
    public IWorkItem? TryDequeue(bool criticalOnly, bool holdNonCritical)
    {
        if (Take(0) is { } critical)
        {
            return critical;
        }

        if (criticalOnly || holdNonCritical)
        {
            return null;
        }

        for (int level = 1; level < Levels; level++)
        {
            if (Volatile.Read(ref _bypassed[level]) >= _maxBypassCount && Take(level) is { } starved)
            {
                Dispatched(level, firstPassedOver: 1);
                return starved;
            }
        }

        for (int level = 1; level < Levels; level++)
        {
            if (Take(level) is { } item)
            {
                // The levels above were just seen empty, so only the ones below can have been passed over.
                Dispatched(level, firstPassedOver: level + 1);
                return item;
            }
        }

        return null;
    }

    /// <summary>Removes every queued item (shutdown). Safe to call from any thread; each item is taken exactly once.</summary>
    public List<IWorkItem> DrainAll()
    {
        var items = new List<IWorkItem>();
        for (int level = 0; level < Levels; level++)
        {
            while (Take(level) is { } item)
            {
                items.Add(item);
            }

            Volatile.Write(ref _bypassed[level], 0);
        }

        return items;
    }

    private void Dispatched(int chosen, int firstPassedOver)
    {
        if (Volatile.Read(ref _bypassed[chosen]) != 0)
        {
            Volatile.Write(ref _bypassed[chosen], 0);
        }

        for (int level = firstPassedOver; level < Levels; level++)
        {
            if (level != chosen && !_queues[level].IsEmpty)
            {
                Interlocked.Increment(ref _bypassed[level]);
            }
        }
    }

    private IWorkItem? Take(int level)
    {
        if (!_queues[level].TryDequeue(out var item))
        {
            return null;
        }

        if (_limits[level] > 0)
        {
            // An item whose place was already given back (canceled while queued) leaves the dead count instead.
            Interlocked.Decrement(ref item.TryReleaseQueueSlot() ? ref _lengths[level] : ref _dead[level]);
        }

        return item;
    }
}
