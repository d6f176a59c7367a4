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
        var time = new FakeTimeProvider();
        var scheduler = TestScheduler.Create(time, maxConcurrency: 2);
        var accepted = new System.Collections.Concurrent.ConcurrentBag<Task>();
        int rejected = 0;
        using var stop = new CancellationTokenSource();

        var submitters = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                var result = scheduler.TrySchedule(_ => { }, (WorkPriority)(i % 5));
                if (result.IsQueued)
                {
                    accepted.Add(result.Completion);
                }
                else
                {
                    Interlocked.Increment(ref rejected);
                }
            }
        })).ToArray();

        await scheduler.ShutdownAsync(TimeSpan.FromSeconds(30)).Guarded();
        await Task.WhenAll(submitters).Guarded();
        await Task.WhenAll(accepted).Guarded();

        Assert.That(accepted.Count + rejected, Is.EqualTo(20_000));
        Assert.That(accepted.All(t => t.IsCompletedSuccessfully), Is.True);
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
