using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using ResourceKit.Scheduling.Tests.TestSupport;

namespace ResourceKit.Scheduling.Tests.Scheduler;

public sealed class PrioritySchedulerConcurrencyTests
{
    [TestCase(SubmissionPath.TrySchedule)]
    [TestCase(SubmissionPath.TryPost)]
    public async Task TrySubmit_ManyThreadsAllLevels_NoItemLostAndWorkerBoundHolds(SubmissionPath path)
    {
        const int threads = 8;
        const int perThread = 2_000;
        var time = new FakeTimeProvider();
        await using var scheduler = TestScheduler.Create(time, maxConcurrency: 3, criticalReserve: 1);
        int running = 0;
        int maxRunning = 0;
        int completed = 0;
        var submissions = new Submission[threads * perThread];

        void Work(CancellationToken _)
        {
            int now = Interlocked.Increment(ref running);
            int seen;
            while (now > (seen = Volatile.Read(ref maxRunning)) && Interlocked.CompareExchange(ref maxRunning, now, seen) != seen)
            {
            }

            Interlocked.Increment(ref completed);
            Interlocked.Decrement(ref running);
        }

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                var priority = (WorkPriority)((t + i) % 5);
                submissions[(t * perThread) + i] = scheduler.TrySubmit(path, Work, priority);
            }
        }))).Guarded();

        await scheduler.Settled(submissions);

        var stats = scheduler.GetStatistics();
        Assert.Multiple(() =>
        {
            Assert.That(submissions.Count(s => s.IsQueued), Is.EqualTo(threads * perThread), "nothing is rejected without CPU load or queue bounds");
            Assert.That(stats.Levels.Sum(l => l.Rejected), Is.Zero);
            Assert.That(completed, Is.EqualTo(threads * perThread));
            Assert.That(stats.Succeeded, Is.EqualTo(threads * perThread));
            Assert.That(stats.Levels.Sum(l => l.Dispatched), Is.EqualTo(threads * perThread));
            Assert.That(stats.Levels.Sum(l => l.QueueLength), Is.Zero);
            Assert.That(stats.ActiveWorkers, Is.Zero);
            Assert.That(maxRunning, Is.LessThanOrEqualTo(4), "MaxConcurrency plus the critical reserve");
        });
    }

    [Test]
    public async Task ShutdownAsync_WhileThreadsSubmit_EveryAcceptedItemCompletes()
    {
        const int submitters = 4;

        // Hang guard only: a submitter stops at its first shutdown rejection, long before this.
        const int maxPerSubmitter = 1_000_000;
        var time = new FakeTimeProvider();
        var scheduler = TestScheduler.Create(time, maxConcurrency: 2);

        // Both workers are held, so every item accepted before the stop is still queued when it begins: the stop has
        // to run them all, not drop them. The fake clock never moves, so its grace period cannot end it either.
        var holders = new[] { new Gate(), new Gate() };
        var held = new List<Task>();
        foreach (var holder in holders)
        {
            held.Add(await holder.OccupyAsync(scheduler));
        }

        var accepted = new ConcurrentQueue<Task>();
        int shutdownRejections = 0;
        int otherRejections = 0;
        using var everyoneAccepted = new CountdownEvent(submitters);

        // Own threads, not pool threads the pool would add one by one: every submitter runs from the start.
        var submitting = Enumerable.Range(0, submitters).Select(_ => Task.Factory.StartNew(
            () =>
            {
                bool signalled = false;
                for (int i = 0; i < maxPerSubmitter; i++)
                {
                    var result = scheduler.TrySchedule(_ => { }, (WorkPriority)(i % 5));
                    if (result.IsQueued)
                    {
                        accepted.Enqueue(result.Completion);
                        if (!signalled)
                        {
                            signalled = true;
                            everyoneAccepted.Signal();
                        }
                    }
                    else
                    {
                        // Keeps submitting until the stop turns it away, so submissions overlap the stop's start.
                        Interlocked.Increment(ref result.RejectionReason == RejectionReason.ShuttingDown ? ref shutdownRejections : ref otherRejections);
                        return;
                    }

                    if (signalled)
                    {
                        Thread.Yield(); // lets the test thread, which starts the stop, have a core
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        Assert.That(everyoneAccepted.Wait(TestScheduler.Guard), Is.True, "every submitter had an item accepted before the stop");
        var shutdown = scheduler.ShutdownAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(submitting).Guarded();
        var stoppedWhileHeld = shutdown.IsCompleted;
        foreach (var holder in holders)
        {
            holder.Open();
        }

        await shutdown.Guarded();
        var outcomes = await Task.WhenAll(held.Concat(accepted).Select(t => t.ContinueWith(c => c.Status, TaskScheduler.Default))).Guarded();

        var stats = scheduler.GetStatistics();
        Assert.Multiple(() =>
        {
            Assert.That(accepted, Has.Count.GreaterThanOrEqualTo(submitters), "each submitter had items accepted");
            Assert.That(shutdownRejections, Is.EqualTo(submitters), "each submitter was turned away by the stop");
            Assert.That(otherRejections, Is.Zero);
            Assert.That(stoppedWhileHeld, Is.False, "the stop waits for the queued items");
            Assert.That(outcomes.Count(status => status != TaskStatus.RanToCompletion), Is.Zero, "every accepted item ran, none was canceled");
            Assert.That(stats.Succeeded, Is.EqualTo(accepted.Count + holders.Length));
            Assert.That(stats.Canceled, Is.Zero);
        });
        scheduler.Dispose();
    }

    [Test]
    public async Task ShutdownAsync_SubmitterPausedBetweenAdmissionAndEnqueue_ItsAcceptedItemIsDispatched()
    {
        var time = new FakeTimeProvider();
        var scheduler = TestScheduler.Create(time, maxConcurrency: 2);
        using var paused = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        scheduler.AdmissionTestHook = () =>
        {
            paused.Set();
            release.Wait(TestScheduler.Guard);
        };
        int ran = 0;

        var submitter = Task.Run(() => scheduler.TrySchedule(_ => Interlocked.Increment(ref ran)));
        Assert.That(paused.Wait(TestScheduler.Guard), Is.True, "the submitter passed the admission check");
        scheduler.AdmissionTestHook = null;
        var shutdown = Task.Run(() => scheduler.ShutdownAsync(TimeSpan.FromSeconds(30)));
        Assert.That(SpinWait.SpinUntil(() => shutdown.IsCompleted || scheduler.WaitingForAdmissions, TestScheduler.Guard), Is.True);
        release.Set();
        var result = await submitter.Guarded();
        await shutdown.Guarded();

        Assert.That(result.Status, Is.EqualTo(ScheduleStatus.Accepted));
        Assert.That(async () => await result.Completion!.Guarded(), Throws.Nothing, "accepted means dispatched, not canceled unseen");
        Assert.That(ran, Is.EqualTo(1));
        scheduler.Dispose();
    }
}
