using ResourceKit.Diagnostics;

namespace ResourceKit.Scheduling;

/// <content>
/// Admission and dispatch. Submission and dequeue are lock-free; workers are counted with interlocked operations and
/// re-check the queues after leaving, so a submission that finds every worker busy is never stranded.
/// </content>
public sealed partial class PriorityScheduler
{
    private (ScheduleStatus Status, RejectionReason Reason) Submit<T>(WorkItem<T> item)
    {
        item.WatchCallerToken();
        var result = Submit((IWorkItem)item);
        if (result.Status == ScheduleStatus.Rejected)
        {
            item.StopWatching();
        }
        else if (item.CancelableByCaller)
        {
            // Only a caller's token can cancel queued work before a worker takes it (and gives its place back).
            item.Enqueued(_queues);
        }

        return result;
    }

    private (ScheduleStatus Status, RejectionReason Reason) Submit(IWorkItem item)
    {
        var priority = item.Priority;
        bool critical = priority == WorkPriority.Critical;
        // The timestamp only feeds the queue-wait histogram; skip the clock read when nobody listens.
        item.EnqueuedTimestamp = _metrics.QueueWaitEnabled ? _time.GetTimestamp() : 0;
        var (status, reason) = _accepting ? Admit(item, critical) : (ScheduleStatus.Rejected, RejectionReason.ShuttingDown);
        if (status == ScheduleStatus.Rejected)
        {
            Interlocked.Increment(ref _rejected[(int)priority]);
            _metrics.RecordRejection(priority, reason);
        }

        return (status, reason);
    }

    /// <summary>
    /// Queues the item and starts a worker for it, inside the admission window a stop waits for: an item accepted
    /// here is in the queue before any stop drops the queue, so it is dispatched (or canceled by the stop's end of
    /// grace like any queued work), never dropped unseen. Runs no user code, so a stop never waits long.
    /// </summary>
    private (ScheduleStatus Status, RejectionReason Reason) Admit(IWorkItem item, bool critical)
    {
        int admission = _admissions.Enter();
        try
        {
            if (!_accepting)
            {
                return (ScheduleStatus.Rejected, RejectionReason.ShuttingDown); // a stop began after the first check
            }

            AdmissionTestHook?.Invoke();
            if (!critical && IsOverloaded && _overloadPolicy == OverloadPolicy.Reject)
            {
                return (ScheduleStatus.Rejected, RejectionReason.CpuOverload);
            }

            if (!_queues.TryEnqueue(item))
            {
                return (ScheduleStatus.Rejected, RejectionReason.QueueFull);
            }

            // Deferred work starts no worker: the CPU sampler restarts workers when the load falls.
            if (!critical && HoldsNonCriticalWork())
            {
                return (ScheduleStatus.Deferred, RejectionReason.None);
            }

            if (TryReserve(ref _generalWorkers, _maxWorkers))
            {
                ThreadPool.UnsafeQueueUserWorkItem(StartGeneralWorker, this, preferLocal: false);
            }
            else if (critical && TryReserve(ref _criticalWorkers, _criticalReserve))
            {
                ThreadPool.UnsafeQueueUserWorkItem(StartCriticalWorker, this, preferLocal: false);
            }

            return (ScheduleStatus.Accepted, RejectionReason.None);
        }
        finally
        {
            _admissions.Exit(admission);
        }
    }

    private static bool TryReserve(ref int workers, int limit)
    {
        int current = Volatile.Read(ref workers);
        while (current < limit)
        {
            int seen = Interlocked.CompareExchange(ref workers, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private bool HoldsNonCriticalWork() => IsOverloaded && _overloadPolicy == OverloadPolicy.Defer && !_draining;

    private bool IsIdle() => Volatile.Read(ref _generalWorkers) == 0 && Volatile.Read(ref _criticalWorkers) == 0 && _queues.IsEmpty;

    private async Task RunWorkerAsync(bool criticalOnly)
    {
        // The worker counts in a private tally and adds it to the shared counters every TallyFlushInterval items,
        // before it awaits work that did not complete at once, and before it leaves: two interlocked increments per
        // item cost as much as the rest of the dispatch path.
        var tally = new long[TallySlots];
        int pending = 0;
        while (true)
        {
            var item = TakeNext(criticalOnly);
            while (item is not null)
            {
                tally[(int)item.Priority]++;
                var execution = item.ExecuteAsync(_logger, _shutdownToken);
                if (!execution.IsCompleted)
                {
                    // Work that has to wait may wait for minutes: publish what this worker counted so far first.
                    FlushTally(tally);
                    pending = 0;
                }

                var outcome = await execution.ConfigureAwait(false);
                tally[OutcomeSlot + (int)outcome]++;
                _metrics.RecordOutcome(item.Priority, outcome);
                if (++pending == TallyFlushInterval)
                {
                    FlushTally(tally);
                    pending = 0;
                }

                item = TakeNext(criticalOnly);
            }

            if (pending != 0)
            {
                FlushTally(tally);
                pending = 0;
            }

            // Leave, then look again: a submission that saw every worker busy relies on this re-check (both sides use
            // interlocked operations, so one of them sees the other).
            bool again = criticalOnly ? Leave(ref _criticalWorkers, _criticalReserve, criticalOnly) : Leave(ref _generalWorkers, _maxWorkers, criticalOnly);
            if (!again)
            {
                SignalIfIdle();
                return;
            }
        }
    }

    private void FlushTally(long[] tally)
    {
        for (int slot = 0; slot < tally.Length; slot++)
        {
            if (tally[slot] != 0)
            {
                _counters.Add(slot, tally[slot]);
                tally[slot] = 0;
            }
        }
    }

    private bool Leave(ref int workers, int limit, bool criticalOnly)
    {
        Interlocked.Decrement(ref workers);
        return _queues.HasDispatchable(criticalOnly, HoldsNonCriticalWork()) && TryReserve(ref workers, limit);
    }

    private IWorkItem? TakeNext(bool criticalOnly)
    {
        var item = _queues.TryDequeue(criticalOnly, HoldsNonCriticalWork());
        if (item is not null && item.EnqueuedTimestamp != 0 && _metrics.QueueWaitEnabled)
        {
            _metrics.RecordQueueWait(item.Priority, _time.GetElapsedTime(item.EnqueuedTimestamp));
        }

        return item;
    }

    private void SignalIfIdle()
    {
        TaskCompletionSource? idle = null;
        lock (_idleGate)
        {
            if (_idle is not null && IsIdle())
            {
                idle = _idle;
                _idle = null;
            }
        }

        idle?.TrySetResult();
    }

    private void SampleCpu()
    {
        double utilization;
        try
        {
            utilization = Math.Clamp(_cpuSource.SampleUtilization(), 0, 1);
        }
#pragma warning disable CA1031 // A failing CPU source must not kill the timer; the previous reading stays.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SchedulingLog.CpuSampleFailed(_logger, exception);
            return;
        }

        utilization = double.IsNaN(utilization) ? 0 : utilization;
        Volatile.Write(ref _cpuUtilization, utilization);
        bool overloaded = utilization > _cpuThreshold;
        bool was = Interlocked.Exchange(ref _overloaded, overloaded ? 1 : 0) != 0;
        if (overloaded != was)
        {
            // Workers first: this sample alone sees the transition, so a failing log must not strand deferred work.
            if (!overloaded)
            {
                StartWorkersForQueuedWork();
            }

            SchedulingLog.OverloadChanged(_logger, utilization, _cpuThreshold, overloaded);
        }
    }

    /// <summary>The CPU timer's callback: it must never throw, or the exception would take the host down.</summary>
    private void OnCpuTimer()
    {
        try
        {
            SampleCpu();
        }
#pragma warning disable CA1031 // A timer callback must not throw; the next tick samples again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LastResortLog.Write((_logger, exception), static s => SchedulingLog.CpuSamplerFailed(s._logger, s.exception));
        }
    }

    private void StartWorkersForQueuedWork()
    {
        int queued = 0;
        foreach (var priority in Enum.GetValues<WorkPriority>())
        {
            queued += _queues.CountAt(priority);
        }

        for (int i = 0; i < Math.Min(queued, _maxWorkers) && TryReserve(ref _generalWorkers, _maxWorkers); i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(StartGeneralWorker, this, preferLocal: false);
        }
    }

    private void CancelQueuedWork()
    {
        var dropped = _queues.DrainAll();

        foreach (var item in dropped)
        {
            item.CancelIfQueued(_shutdownToken);
            _metrics.RecordOutcome(item.Priority, WorkOutcome.Canceled);
        }

        _counters.Add(OutcomeSlot + (int)WorkOutcome.Canceled, dropped.Count);
        SignalIfIdle();
    }
}
