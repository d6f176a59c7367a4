namespace ResourceKit.Caching.Tests.Tiered;

/// <summary>Single-flight behaviour when the callers of a flight give up before its factory does.</summary>
public sealed partial class TieredCacheTests
{
    [Test]
    public async Task GetOrCreateAsync_AbandonedFlightWhoseFactoryIgnoresCancellation_NextCallerStartsANewFlight()
    {
        using var cache = Create(disk: false, distributed: false);
        using var cancel = new CancellationTokenSource();

        // Without RunContinuationsAsynchronously the abandoned flight finishes inline in SetResult below.
        var abandonedGate = new TaskCompletionSource<string>();
        var first = cache.GetOrCreateAsync("k", _ => new ValueTask<string>(abandonedGate.Task), CachePolicyNames.ConversationHistory, cancel.Token).AsTask();
        await cancel.CancelAsync();
        Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());

        var replacementGate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var replacementStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<string> second;
        try
        {
            // Task.Run: before the fix this call spun on the closed flight instead of returning.
            second = Task.Run(() => cache.GetOrCreateAsync("k", async _ =>
            {
                replacementStarted.TrySetResult();
                return await replacementGate.Task;
            }, CachePolicyNames.ConversationHistory).AsTask());
            await replacementStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            abandonedGate.TrySetResult("abandoned");
        }

        var joinerRuns = 0;
        var joiner = cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref joinerRuns);
            return ValueTask.FromResult("joiner");
        }, CachePolicyNames.ConversationHistory).AsTask();
        replacementGate.SetResult("replacement");

        Assert.That(await second, Is.EqualTo("replacement"));
        Assert.That(await joiner, Is.EqualTo("replacement"), "the abandoned flight neither removed the new flight nor stored its own value");
        Assert.That(joinerRuns, Is.Zero);
        Assert.That((await cache.TryGetAsync<string>("k", CachePolicyNames.ConversationHistory)).Value, Is.EqualTo("replacement"));
    }
}
