namespace ResourceKit.Scheduling;

/// <summary>
/// The five per-level FIFO queues and the aging rule that bounds starvation. Not thread-safe: the scheduler
/// calls it under its lock.
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
    private readonly Queue<IWorkItem>[] _queues = new Queue<IWorkItem>[Levels];
    private readonly int[] _limits = new int[Levels];
    private readonly int[] _bypassed = new int[Levels];
    private readonly int _maxBypassCount;

    public PriorityQueueSet(QueueLengthLimits limits, int maxBypassCount)
    {
        _maxBypassCount = maxBypassCount;
        for (int level = 0; level < Levels; level++)
        {
            _queues[level] = new Queue<IWorkItem>();
            _limits[level] = limits.For((WorkPriority)level);
        }
    }

    /// <summary>Gets the number of queued items across all levels.</summary>
    public int Count { get; private set; }

    public int CountAt(WorkPriority priority) => _queues[(int)priority].Count;

    public bool TryEnqueue(IWorkItem item)
    {
        int level = (int)item.Priority;
        var queue = _queues[level];
        if (_limits[level] > 0 && queue.Count >= _limits[level])
        {
            return false;
        }

        queue.Enqueue(item);
        Count++;
        return true;
    }

    /// <summary>Takes the next item to dispatch, or <see langword="null"/> when none may run now.</summary>
    /// <param name="criticalOnly">Only critical items may be taken (a reserve worker).</param>
    /// <param name="holdNonCritical">Non-critical items are held (deferred while the CPU is overloaded).</param>
    public IWorkItem? TryDequeue(bool criticalOnly, bool holdNonCritical)
    {
        if (_queues[0].Count > 0)
        {
            Count--;
            return _queues[0].Dequeue();
        }

        if (criticalOnly || holdNonCritical || Count == 0)
        {
            return null;
        }

        int chosen = -1;
        for (int level = 1; level < Levels; level++)
        {
            if (_queues[level].Count > 0 && _bypassed[level] >= _maxBypassCount)
            {
                chosen = level;
                break;
            }
        }

        if (chosen < 0)
        {
            for (int level = 1; level < Levels; level++)
            {
                if (_queues[level].Count > 0)
                {
                    chosen = level;
                    break;
                }
            }
        }

        for (int level = 1; level < Levels; level++)
        {
            if (level != chosen && _queues[level].Count > 0)
            {
                _bypassed[level]++;
            }
        }

        _bypassed[chosen] = 0;
        Count--;
        return _queues[chosen].Dequeue();
    }

    /// <summary>Removes every queued item (shutdown).</summary>
    public List<IWorkItem> DrainAll()
    {
        var items = new List<IWorkItem>(Count);
        for (int level = 0; level < Levels; level++)
        {
            while (_queues[level].Count > 0)
            {
                items.Add(_queues[level].Dequeue());
            }

            _bypassed[level] = 0;
        }

        Count = 0;
        return items;
    }
}
