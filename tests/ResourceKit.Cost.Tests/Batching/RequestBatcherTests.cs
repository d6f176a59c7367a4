using Microsoft.Extensions.Time.Testing;
using ResourceKit.Cost.Batching;

namespace ResourceKit.Cost.Tests.Batching;

public class RequestBatcherTests
{
    private readonly List<IReadOnlyList<int>> _batches = [];

    [SetUp]
    public void SetUp() => _batches.Clear();

    [Test]
    public async Task SubmitAsync_BatchFills_SendsAtOnce()
    {
        await using var batcher = Create(new FakeTimeProvider(), maxBatchSize: 3);

        var results = await Task.WhenAll(batcher.SubmitAsync(1), batcher.SubmitAsync(2), batcher.SubmitAsync(3));

        Assert.That(results, Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(_batches, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task SubmitAsync_BatchNotFull_SendsAfterMaxDelay()
    {
        var time = new FakeTimeProvider();
        await using var batcher = Create(time, maxBatchSize: 10);

        var first = batcher.SubmitAsync(1);
        var second = batcher.SubmitAsync(2);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.That(first.IsCompleted, Is.False);

        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.That(await first, Is.EqualTo("1"));
        Assert.That(await second, Is.EqualTo("2"));
        Assert.That(_batches.Single(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public async Task SubmitAsync_CancelledBeforeSend_IsWithdrawn()
    {
        var time = new FakeTimeProvider();
        await using var batcher = Create(time, maxBatchSize: 10);
        using var cancel = new CancellationTokenSource();

        var withdrawn = batcher.SubmitAsync(1, cancel.Token);
        var kept = batcher.SubmitAsync(2);
        await cancel.CancelAsync();
        time.Advance(RequestBatcherOptions.DefaultMaxDelay);

        Assert.That(async () => await withdrawn, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await kept, Is.EqualTo("2"));
        Assert.That(_batches.Single(), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void SubmitAsync_SenderFails_FailsEveryRequestOfTheBatch()
    {
        var batcher = new RequestBatcher<int, string>(
            (_, _) => throw new InvalidOperationException("provider down"), new RequestBatcherOptions { MaxBatchSize = 2 }, new FakeTimeProvider());

        var first = batcher.SubmitAsync(1);
        var second = batcher.SubmitAsync(2);

        Assert.That(async () => await first, Throws.InvalidOperationException);
        Assert.That(async () => await second, Throws.InvalidOperationException);
    }

    [Test]
    public async Task DisposeAsync_PendingRequests_AreSent()
    {
        var batcher = Create(new FakeTimeProvider(), maxBatchSize: 10);
        var pending = batcher.SubmitAsync(7);

        await batcher.DisposeAsync();

        Assert.That(await pending, Is.EqualTo("7"));
        Assert.That(() => batcher.SubmitAsync(8), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void Constructor_BadOptions_Throw()
    {
        Assert.That(() => new RequestBatcher<int, int>((r, _) => ValueTask.FromResult<IReadOnlyList<int>>(r), new RequestBatcherOptions { MaxBatchSize = 0 }), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new RequestBatcher<int, int>((r, _) => ValueTask.FromResult<IReadOnlyList<int>>(r), new RequestBatcherOptions { MaxDelay = TimeSpan.Zero }), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    private RequestBatcher<int, string> Create(TimeProvider time, int maxBatchSize) => new(
        (requests, _) =>
        {
            lock (_batches)
            {
                _batches.Add(requests);
            }

            return ValueTask.FromResult<IReadOnlyList<string>>([.. requests.Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        },
        new RequestBatcherOptions { MaxBatchSize = maxBatchSize },
        time);
}
